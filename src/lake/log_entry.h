// One commit of the Delta log (`_delta_log/%020d.json`) or the rows of a checkpoint: the actions it
// holds, parsed from newline-delimited JSON, and serialised back in the order docs/delta.md §3
// fixes (commitInfo, protocol, metaData, removes, adds, txns). Unknown actions and fields are
// ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "lake/actions.h"

namespace dhl::lake {

struct LogEntry {
  int64_t version = -1;
  std::optional<CommitInfo> commit_info;
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::vector<RemoveFile> removes;
  std::vector<AddFile> adds;
  std::vector<Transaction> transactions;
  // Names of actions we do not interpret but that matter for refusing (e.g. "cdc",
  // "domainMetadata").
  std::vector<std::string> other_actions;

  // Parses a commit file's text. `file` names the file in errors: a line that is not a JSON object,
  // or an action missing a required field, is Corruption "<file> line <k>: <reason>".
  static Result<LogEntry> Parse(std::string_view text, std::string_view file);
  // Adds the actions of one JSON object (a commit line, or a checkpoint row where unused action
  // columns are null) to this entry.
  Status AddActions(const nlohmann::json& line, std::string_view where);

  // The commit file's content: one action a line, each line ending in "\n".
  std::string Serialize() const;
};

// The compact JSON text of `value` as the log writes it (invalid UTF-8 replaced, never thrown on).
std::string JsonText(const nlohmann::json& value);

nlohmann::json ToJson(const AddFile& add);
nlohmann::json ToJson(const RemoveFile& remove);
nlohmann::json ToJson(const Metadata& metadata);
nlohmann::json ToJson(const Protocol& protocol);
nlohmann::json ToJson(const Transaction& transaction);
nlohmann::json ToJson(const CommitInfo& commit_info);

}  // namespace dhl::lake
