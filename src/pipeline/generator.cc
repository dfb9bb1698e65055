#include "pipeline/generator.h"

#include <charconv>
#include <utility>

namespace dhl::pipeline {

std::optional<int64_t> CharacterIn(std::string_view message) {
  constexpr std::string_view kMarker = "at character ";
  size_t at = message.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  size_t digit = at + kMarker.size();
  int64_t value = 0;
  size_t end = digit;
  while (end < message.size() && message[end] >= '0' && message[end] <= '9' && end - digit < 12) {
    value = value * 10 + (message[end] - '0');
    ++end;
  }
  if (end == digit) return std::nullopt;
  return value;
}

std::string OrgUnitAncestorSelect() {
  std::string levels;
  for (int level = 1; level <= 8; ++level) {
    levels += " WHEN " + std::to_string(level) + " THEN o.level" + std::to_string(level) + "_uid";
  }
  return "SELECT o.uid, CASE a.level" + levels +
         " END AS ou FROM ref('silver.org_unit') o CROSS JOIN (VALUES (1), (2), (3), (4), (5), "
         "(6), (7), (8)) AS a(level) WHERE o.valid_to IS NULL AND a.level <= o.level";
}

const GeneratorSettings& GeneratorContext::Settings() const {
  static const GeneratorSettings kDefaults;
  return settings != nullptr ? *settings : kDefaults;
}

Result<std::optional<std::set<int64_t>>> GeneratorContext::PartitionYears() const {
  if (partitions == nullptr) return std::optional<std::set<int64_t>>();
  std::set<int64_t> years;
  for (const std::string& partition : *partitions) {
    int64_t year = 0;
    auto [end, error] =
        std::from_chars(partition.data(), partition.data() + partition.size(), year);
    if (error != std::errc() || end != partition.data() + partition.size()) {
      return InvalidArgument((model != nullptr ? model->name.ToString() + ": " : std::string()) +
                             "partition year '" + partition + "' is not a number");
    }
    years.insert(year);
  }
  return std::optional<std::set<int64_t>>(std::move(years));
}

void GeneratorRegistry::Add(std::string name, Generator generator, SettingsText settings) {
  generators_[std::move(name)] = Entry{std::move(generator), settings};
}

const Generator* GeneratorRegistry::Find(std::string_view name) const {
  auto found = generators_.find(name);
  return found == generators_.end() ? nullptr : &found->second.generator;
}

std::string GeneratorRegistry::SettingsOf(std::string_view name,
                                          const GeneratorSettings& settings) const {
  auto found = generators_.find(name);
  if (found == generators_.end() || found->second.settings == nullptr) return "";
  return found->second.settings(settings);
}

Result<std::string> ExpandGenerated(const Model& model, const GeneratorRegistry& registry,
                                    const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto calls, FindGeneratedCalls(model.path, model.body));
  std::string out;
  size_t position = 0;
  for (const GeneratedCall& call : calls) {
    std::string where =
        model.path + ":" + std::to_string(call.line) + ": generated('" + call.name + "')";
    const Generator* generator = registry.Find(call.name);
    if (generator == nullptr) return InvalidArgument(where + ": no generator of that name");
    GeneratorContext own = context;
    own.model = &model;
    own.table = call.table;
    own.column = call.column;
    auto text = (*generator)(own);
    if (!text.ok()) return text.status().WithContext(where);
    auto refs = FindRefCalls(where, *text);
    if (!refs.ok()) return refs.status();
    for (const RefCall& ref : *refs) {
      bool declared = false;
      for (const Ref& input : model.refs) declared = declared || input.table == ref.table;
      if (!declared) {
        return InvalidArgument(where + ": its text reads " + ref.table.ToString() +
                               ", which the model does not declare (add it to depends_on:)");
      }
    }
    out.append(model.body, position, call.offset - position);
    out += *text;
    position = call.offset + call.length;
  }
  out.append(model.body, position, std::string::npos);
  return out;
}

}  // namespace dhl::pipeline
