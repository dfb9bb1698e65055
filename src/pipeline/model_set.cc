#include "pipeline/model_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace dhl::pipeline {
namespace {

int LayerRank(const std::string& layer) {
  if (layer == "bronze") return 0;
  if (layer == "silver") return 1;
  if (layer == "gold") return 2;
  return 3;
}

bool ModelOrder(const Model* a, const Model* b) {
  int rank_a = LayerRank(a->name.layer);
  int rank_b = LayerRank(b->name.layer);
  if (rank_a != rank_b) return rank_a < rank_b;
  return a->name < b->name;
}

}  // namespace

Result<ModelSet> ModelSet::LoadDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return NotFound("model folder " + dir + " does not exist");
  }
  std::map<std::string, std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file() || it->path().extension() != ".sql") continue;
    std::ifstream in(it->path(), std::ios::binary);
    if (!in) return IoError("cannot read model file " + it->path().string());
    std::ostringstream text;
    text << in.rdbuf();
    files[it->path().string()] = text.str();
  }
  if (error) return IoError("listing model folder " + dir + ": " + error.message());
  return LoadMap(files);
}

Result<ModelSet> ModelSet::LoadMap(const std::map<std::string, std::string>& files) {
  std::vector<Model> models;
  for (const auto& [path, text] : files) {
    DHL_ASSIGN_OR_RETURN(Model model, ParseModel(path, text));
    models.push_back(std::move(model));
  }
  return FromModels(std::move(models));
}

Result<ModelSet> ModelSet::FromModels(std::vector<Model> models) {
  std::map<lake::TableName, const Model*> by_name;
  for (const Model& model : models) {
    auto [it, inserted] = by_name.emplace(model.name, &model);
    if (!inserted) {
      return InvalidArgument(model.path + ": table " + model.name.ToString() +
                             " is also defined by " + it->second->path);
    }
  }
  for (const Model& model : models) {
    for (const LayerInput& input : model.depends_on_layers) {
      for (const Model& other : models) {
        if (other.name.layer == input.layer) {
          return InvalidArgument(model.path + ":" + std::to_string(input.line) +
                                 ": depends_on: " + input.layer + ".* names a layer that " +
                                 other.path + " writes (a layer wildcard is for imported tables)");
        }
      }
    }
    for (const Ref& ref : model.refs) {
      if (ref.table == model.name) {
        return InvalidArgument(model.path + ":" + std::to_string(ref.line) + ": " +
                               model.name.ToString() + " refers to itself");
      }
    }
  }
  // Depth-first topological sort over models in a stable order; a grey node met again is a cycle.
  std::vector<const Model*> roots;
  for (const Model& model : models) roots.push_back(&model);
  std::sort(roots.begin(), roots.end(), ModelOrder);
  std::map<const Model*, int> state;  // 1 visiting, 2 done
  std::vector<const Model*> order;
  std::vector<const Model*> stack;
  std::function<Status(const Model*)> visit = [&](const Model* model) -> Status {
    int& mark = state[model];
    if (mark == 2) return Status::Ok();
    if (mark == 1) {
      std::string cycle;
      auto start = std::find(stack.begin(), stack.end(), model);
      for (auto it = start; it != stack.end(); ++it) cycle += (*it)->name.ToString() + " -> ";
      cycle += model->name.ToString();
      // Name the ref that closes the cycle: in the last model on the stack, the ref to `model`.
      const Model* last = stack.back();
      int line = 0;
      for (const Ref& ref : last->refs) {
        if (ref.table == model->name) line = ref.line;
      }
      return InvalidArgument(last->path + ":" + std::to_string(line) +
                             ": dependency cycle: " + cycle);
    }
    mark = 1;
    stack.push_back(model);
    std::vector<const Model*> inputs;
    for (const Ref& ref : model->refs) {
      auto it = by_name.find(ref.table);
      if (it != by_name.end()) inputs.push_back(it->second);
    }
    std::sort(inputs.begin(), inputs.end(), ModelOrder);
    for (const Model* input : inputs) DHL_RETURN_IF_ERROR(visit(input));
    stack.pop_back();
    state[model] = 2;
    order.push_back(model);
    return Status::Ok();
  };
  for (const Model* model : roots) DHL_RETURN_IF_ERROR(visit(model));
  ModelSet set;
  for (const Model* model : order) set.models_.push_back(*model);
  return set;
}

const Model* ModelSet::Find(const lake::TableName& name) const {
  for (const Model& model : models_) {
    if (model.name == name) return &model;
  }
  return nullptr;
}

Result<std::vector<lake::TableName>> ModelSet::Select(const std::vector<std::string>& roots,
                                                      bool with_descendants) const {
  std::set<lake::TableName> selected;
  for (const std::string& root : roots) {
    DHL_ASSIGN_OR_RETURN(lake::TableName name, lake::ParseTableName(root));
    if (Find(name) == nullptr) return NotFound("no model named " + root);
    selected.insert(name);
  }
  if (with_descendants) {
    for (const Model& model : models_) {  // topological order: inputs are decided first
      for (const Ref& ref : model.refs) {
        if (selected.count(ref.table) > 0) selected.insert(model.name);
      }
    }
  }
  std::vector<lake::TableName> names;
  for (const Model& model : models_) {
    if (selected.count(model.name) > 0) names.push_back(model.name);
  }
  return names;
}

std::vector<lake::TableName> ModelSet::Sources() const {
  std::set<lake::TableName> sources;
  for (const Model& model : models_) {
    for (const Ref& ref : model.refs) {
      if (Find(ref.table) == nullptr) sources.insert(ref.table);
    }
  }
  return {sources.begin(), sources.end()};
}

}  // namespace dhl::pipeline
