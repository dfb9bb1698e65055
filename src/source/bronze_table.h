// The bronze tables the extractors write (docs/extraction.md lists them with their columns). Each
// row keeps a record's fields under DHIS2's JSON names, as received (nested objects and arrays as
// JSON text; timestamps as UTC instants, those without a zone read in the server's time zone), plus
// the ingestion columns `_run_id`, `_ingested_at`, `_source`, `_chunk`. Metadata tables hold one
// row per object: id, code, name, created, lastUpdated pulled out, and the object as received in
// `object`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dhl::source {

enum class ColumnType { kText, kTimestamp, kBoolean };

struct BronzeColumn {
  std::string name;  // DHIS2's JSON name
  ColumnType type = ColumnType::kText;
};

struct BronzeTable {
  std::string name;                   // without the layer: "data_value", "metadata_data_element"
  std::vector<BronzeColumn> columns;  // the record's fields, before the ingestion columns
  // Metadata: `object` holds the whole object. Records: `record` holds the whole record when
  // keep_record (tracker, registrations), so that no field is lost.
  bool metadata = false;
  bool keep_record = false;
  // Tracker records, which may hold personal data: hashed (PersonalDataHasher) before they land.
  bool tracker = false;
};

// A metadata type: its bronze table, the list endpoint and the JSON member holding the objects.
struct MetadataType {
  std::string table;     // "metadata_data_element"
  std::string endpoint;  // "/api/dataElements"
  std::string key;       // "dataElements"
};

// The metadata types extracted, in extraction order.
const std::vector<MetadataType>& MetadataTypes();

// The table named `name` (metadata tables included); nullptr for an unknown name.
const BronzeTable* FindBronzeTable(std::string_view name);

}  // namespace dhl::source
