#include "source/landing_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file.h"

namespace dhl::source {

LandingFile::LandingFile(std::string path) : path_(std::move(path)) {}

LandingFile::~LandingFile() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove((path_ + ".part").c_str());
  }
}

Status LandingFile::Begin(const http::HttpResponseHead& /*head*/) {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), error);
  file_ = std::fopen((path_ + ".part").c_str(), "wb");
  bytes_ = 0;
  if (file_ == nullptr) {
    return IoError("cannot create landing file " + path_ + ".part");
  }
  return Status::Ok();
}

Status LandingFile::Write(std::string_view chunk) {
  if (file_ == nullptr) {
    return Internal("landing file " + path_ + ": Write before Begin");
  }
  if (std::fwrite(chunk.data(), 1, chunk.size(), file_) != chunk.size()) {
    return IoError("cannot write landing file " + path_ + ".part");
  }
  bytes_ += static_cast<int64_t>(chunk.size());
  return Status::Ok();
}

Status LandingFile::Commit() {
  if (file_ == nullptr) {
    DHL_RETURN_IF_ERROR(Begin({}));
  }
  bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (!ok || std::rename((path_ + ".part").c_str(), path_.c_str()) != 0) {
    return IoError("cannot complete landing file " + path_);
  }
  return Status::Ok();
}

Status LandingFile::Flush() {
  if (file_ == nullptr) {
    DHL_RETURN_IF_ERROR(Begin({}));
  }
  if (std::fflush(file_) != 0) {
    return IoError("cannot write landing file " + part_path());
  }
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  LandingFile file(path);
  DHL_RETURN_IF_ERROR(file.Begin({}));
  DHL_RETURN_IF_ERROR(file.Write(data));
  return file.Commit();
}

std::string PageFilePath(const std::string& stem, int number) {
  return fmt::format("{}_p{:05d}.json", stem, number);
}

Status MarkPagesLanded(const std::string& stem, const std::vector<std::string>& files) {
  return WriteFileAtomically(stem + ".done", nlohmann::json(files).dump());
}

std::vector<std::string> LandedPages(const std::string& stem) {
  Result<std::string> text = ReadWholeFile(stem + ".done");
  if (!text.ok()) return {};
  nlohmann::json listed = nlohmann::json::parse(*text, nullptr, false);
  std::vector<std::string> files;
  if (!listed.is_array()) return {};
  for (const auto& file : listed) {
    if (!file.is_string() || !std::filesystem::exists(file.get<std::string>())) return {};
    files.push_back(file.get<std::string>());
  }
  return files;
}

}  // namespace dhl::source
