// Where the lake's tables live on Databricks: a Unity Catalog catalog, one schema per layer and the
// volume that receives the bronze files, written literally into every rendered statement (the
// exported SQL files name them; changing one means exporting again). Values; thread-safe.
#pragma once

#include <map>
#include <string>

#include "base/status.h"
#include "lake/lake_catalog.h"

namespace dhl::databricks {

struct SparkNames {
  std::string catalog = "main";
  // layer -> schema; layers not listed map to "dhis2_<layer>".
  std::map<std::string, std::string> schemas;
  // The volume (in the bronze schema) that receives bronze's data files.
  std::string volume = "landing";

  std::string Schema(const std::string& layer) const;
  // `catalog`.`schema`.`table`
  std::string Table(const lake::TableName& table) const;
  // `catalog`.`schema` of a layer.
  std::string QualifiedSchema(const std::string& layer) const;
  // /Volumes/<catalog>/<bronze schema>/<volume>
  std::string VolumeRoot() const;
  // /Volumes/<catalog>/<bronze schema>/<volume>/bronze/<table>/
  std::string VolumeFolder(const lake::TableName& table) const;

  // InvalidArgument unless every name is a plain identifier ([A-Za-z0-9_], not empty): they reach
  // file paths and SQL.
  Status Validate() const;
};

}  // namespace dhl::databricks
