// Generated model SQL: text that depends on the lake's metadata (indicator and validation-rule
// expressions compiled to SQL, one column per category, the period table computed by src/dhis2).
//
// A model marks where such text goes with `generated('name')` in its body and declares the tables
// the generator reads (and any it does not ref in its body) with the header `-- depends_on: a.b,
// c.d`; `generated('name', 'layer.table')` hands the generator one table, which is an input of the
// model as if ref()'d (the latest version of each object of a bronze metadata table, say). Before
// its refs are rendered, each call is replaced by the text the named generator returns; that text
// may itself hold ref('layer.table') calls to the model's declared inputs (docs/models.md). The
// same generator renders for DuckDB (the local run) and Spark SQL (the Databricks bundle).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "pipeline/generator_settings.h"
#include "pipeline/model.h"
#include "sql/dialect.h"

namespace dhl::pipeline {

// What became of one metadata object holding expressions in a run (ops.expression_status): an
// indicator, validation rule, predictor or program indicator, computed or refused and why.
struct ExpressionStatus {
  std::string object_type;  // indicator, validation_rule, predictor, program_indicator
  std::string uid;
  bool computed = false;
  // Refused: why, naming the expression and the character ("" when computed).
  std::string reason;
  // Refused: the byte offset in the expression the reason points at, when there is one.
  std::optional<int64_t> position;
};

// N from the first "at character N" in `message` (the parser's and the SQL compiler's errors);
// nullopt when there is none.
std::optional<int64_t> CharacterIn(std::string_view message);

// A SELECT of (uid, ou): every current org unit of silver.org_unit (valid_to NULL) with itself and
// each of its ancestors as `ou`, for sums over subtrees (ref() to silver.org_unit).
std::string OrgUnitAncestorSelect();

struct GeneratorContext {
  // A DuckDB connection on which the model's inputs are readable through `relation`.
  engine::Connection* connection = nullptr;
  // The dialect the generated text must be written in.
  sql::Dialect dialect = sql::Dialect::kDuckDb;
  // A SQL relation (a view) holding one of the model's inputs whole, at this run's version, for
  // queries on `connection`. Only tables the model declares (ref() or depends_on) may be asked for.
  std::function<Result<std::string>(const lake::TableName&)> relation;
  const Model* model = nullptr;
  // The table named by the call generated('name', 'layer.table') (an input of the model, so the
  // generated text may ref() it); nullopt for generated('name').
  std::optional<lake::TableName> table;
  // The column named by generated('name', 'layer.table', 'column'); "" otherwise.
  std::string column;
  // For a `partitioned` model run that recomputes only some partitions: their values (the
  // partition column's, as text). nullptr when the run computes the whole table.
  const std::vector<std::string>* partitions = nullptr;
  // Where a generator reports what it leaves out (an indicator it cannot compile, with the reason);
  // the runner shows them in the model's result (RunSummary). May be null: then log only.
  std::vector<std::string>* warnings = nullptr;
  // Where a generator compiling expressions reports each object's status; may be null.
  std::vector<ExpressionStatus>* expression_status = nullptr;
  // The run's settings (RunOptions::settings); null = the defaults.
  const GeneratorSettings* settings = nullptr;
  // A generator whose text is a model's whole query may also give it here as groups: whole
  // queries with the query's columns whose rows together are its rows. A model whose SQL is that
  // one call, and whose rows stream to its files, is then computed one group at a time (one query
  // each, one commit): a query's memory that grows with its branches (one per program indicator)
  // stays that of one group. May be null; left empty, the one query runs.
  std::vector<std::string>* query_groups = nullptr;

  const GeneratorSettings& Settings() const;
  // The years a partitioned run recomputes (`partitions` read as year numbers); nullopt when the
  // run computes the whole table. An error names the model and the partition that is no year.
  Result<std::optional<std::set<int64_t>>> PartitionYears() const;
};

// Returns an SQL fragment (a subquery, a VALUES list, select items, ...) in context.dialect.
using Generator = std::function<Result<std::string>(const GeneratorContext&)>;

// The canonical text of the settings a generator renders (AggregateSettingsText, ...).
using SettingsText = std::string (*)(const GeneratorSettings&);

class GeneratorRegistry {
 public:
  // Registers `generator` under `name` (a later Add with the same name replaces it). A generator
  // whose text depends on settings names them with `settings`: their text joins the definition
  // fingerprint of every model calling it.
  void Add(std::string name, Generator generator, SettingsText settings = nullptr);
  // nullptr when no generator has that name.
  const Generator* Find(std::string_view name) const;
  // The text of the settings the generator `name` renders ("" when none or unknown).
  std::string SettingsOf(std::string_view name, const GeneratorSettings& settings) const;

 private:
  struct Entry {
    Generator generator;
    SettingsText settings = nullptr;
  };
  std::map<std::string, Entry, std::less<>> generators_;
};

// The generators the shipped models use (src/pipeline/generators.cc lists them).
const GeneratorRegistry& BuiltinGenerators();

// The model's body with every generated('name') call replaced by its generator's text (ref() calls
// left in place). Errors name the model's file and line: an unknown generator, a generator's
// failure, or a ref() in generated text to a table the model does not declare.
Result<std::string> ExpandGenerated(const Model& model, const GeneratorRegistry& registry,
                                    const GeneratorContext& context);

}  // namespace dhl::pipeline
