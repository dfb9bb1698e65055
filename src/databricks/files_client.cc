#include "databricks/files_client.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace dhl::databricks {
namespace {

constexpr uint64_t kMaxSingleUpload = uint64_t{5} << 30;  // 5 GiB (Files API)

Status CheckVolumePath(const std::string& path) {
  if (path.rfind("/Volumes/", 0) != 0 || path.find("/../") != std::string::npos) {
    return InvalidArgument("'" + path + "' is not a volume path (/Volumes/<catalog>/<schema>/…)");
  }
  return Status::Ok();
}

}  // namespace

Status FilesClient::CreateDirectory(const std::string& volume_path) {
  DHL_RETURN_IF_ERROR(CheckVolumePath(volume_path));
  return client_.SendBytes("PUT", "/api/2.0/fs/directories" + EncodePath(volume_path), "");
}

Status FilesClient::Upload(const std::string& local_file, const std::string& volume_path,
                           bool overwrite) {
  DHL_RETURN_IF_ERROR(CheckVolumePath(volume_path));
  std::error_code error;
  uint64_t size = std::filesystem::file_size(local_file, error);
  if (error) return IoError("reading " + local_file + ": " + error.message());
  if (size > kMaxSingleUpload) {
    return InvalidArgument(local_file + ": " + std::to_string(size) +
                           " bytes, more than the Files API takes in one upload (5 GiB)");
  }
  std::ifstream in(local_file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) return IoError("reading " + local_file);
  return client_.SendBytes("PUT",
                           "/api/2.0/fs/files" + EncodePath(volume_path) +
                               (overwrite ? "?overwrite=true" : "?overwrite=false"),
                           bytes.str());
}

Result<bool> FilesClient::Exists(const std::string& volume_path) {
  DHL_RETURN_IF_ERROR(CheckVolumePath(volume_path));
  return client_.Exists("/api/2.0/fs/files" + EncodePath(volume_path));
}

}  // namespace dhl::databricks
