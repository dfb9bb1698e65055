// Databricks' Files API for Unity Catalog volumes: create a directory (PUT /api/2.0/fs/directories
// {path}, like mkdir -p), upload a file (PUT /api/2.0/fs/files{path}?overwrite=…, raw bytes, at
// most 5 GiB in one request), and ask whether a file exists (HEAD). Paths are absolute volume paths
// "/Volumes/<catalog>/<schema>/<volume>/…". Not thread-safe (one client per thread).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "databricks/databricks_client.h"

namespace dhl::databricks {

class FilesClient {
 public:
  explicit FilesClient(DatabricksClient& client) : client_(client) {}

  Status CreateDirectory(const std::string& volume_path);
  // Uploads the local file. InvalidArgument for a path outside /Volumes/ or a file over 5 GiB.
  Status Upload(const std::string& local_file, const std::string& volume_path, bool overwrite);
  Result<bool> Exists(const std::string& volume_path);

 private:
  DatabricksClient& client_;
};

}  // namespace dhl::databricks
