// The models of a pipeline, validated as a DAG: loaded from a folder of `<layer>/<table>.sql` files
// or from an in-memory map (the embedded models), with their topological order. Refs to tables that
// are not models are sources (bronze tables) that must exist in the lake when the pipeline runs.
// Values only; thread-safe once built.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/model.h"

namespace dhl::pipeline {

class ModelSet {
 public:
  // Every *.sql file under `dir` (recursively). NotFound when `dir` does not exist; parse errors,
  // duplicate tables and cycles are InvalidArgument naming the file and line.
  static Result<ModelSet> LoadDirectory(const std::string& dir);
  // The same from {path -> text}, e.g. EmbeddedModels().
  static Result<ModelSet> LoadMap(const std::map<std::string, std::string>& files);
  static Result<ModelSet> FromModels(std::vector<Model> models);

  // Models in dependency order (inputs first; ties by layer rank then name).
  const std::vector<Model>& models() const { return models_; }
  const Model* Find(const lake::TableName& name) const;
  // The names of `roots` and, when `with_descendants`, of every model downstream of them.
  // NotFound naming an unknown model.
  Result<std::vector<lake::TableName>> Select(const std::vector<std::string>& roots,
                                              bool with_descendants) const;
  // Tables referenced that no model produces (the sources), sorted.
  std::vector<lake::TableName> Sources() const;

 private:
  std::vector<Model> models_;
};

}  // namespace dhl::pipeline
