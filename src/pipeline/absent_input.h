// What a model input missing from the lake means ("absent is empty", docs/models.md).
//
// A bronze table the extractors know but a source did not deliver (an export folder without
// constants or registrations, a server whose list is empty, a 2.36 server without the tracker API)
// is an empty input with the columns the extractor gives the table, so the models reading it still
// run. Only the inputs nothing can be computed without are essential: data values, org units and
// data elements; a model reading one that is missing is skipped, and HowToGet() tells the user
// where it comes from.
#pragma once

#include <optional>
#include <string>

#include "lake/lake_catalog.h"

namespace dhl::pipeline {

// A SELECT yielding no rows with the columns (and types) the bronze writer gives `table`, ingestion
// columns included; nullopt when `table` is not a bronze table the extractors write or is
// essential (IsEssentialInput).
std::optional<std::string> EmptyBronzeSelect(const lake::TableName& table);

// EmptyBronzeSelect, or for gold.predicted_value (which gold.analytics reads; a model set without
// its model, as tests and benches run gold.analytics alone, has no predictions) and
// silver.indicator (whose operands with an attribute option combo gold.aggregate reads; a model set
// without it, as tests and benches run gold.aggregate alone, has no indicator) their empty forms.
std::optional<std::string> EmptyInputSelect(const lake::TableName& table);

// bronze.data_value, bronze.metadata_organisation_unit, bronze.metadata_data_element.
bool IsEssentialInput(const lake::TableName& table);

// One sentence for people: where `table`'s records come from (an essential input), or "" when
// there is nothing specific to say.
std::string HowToGet(const lake::TableName& table);

}  // namespace dhl::pipeline
