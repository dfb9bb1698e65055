// A test DHIS2 server replaying recorded payloads (tests/data/source): list endpoints with paging
// and the level / lastUpdated filters, /api/dataValueSets.csv rendered from the recorded JSON
// values with DHIS2's CSV columns and its dataSet / dataElementGroup / orgUnit subtree / period /
// startDate-endDate / lastUpdated selection, complete registrations, and /api/tracker lists in the
// envelope of the served version. Basic auth is checked. Faults can be injected per request.
// Records can be changed between runs (incremental tests). Test code only.
#pragma once

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dhis2/period.h"
#include "http/http_server.h"

namespace dhl::source::testing {

using nlohmann::json;

inline json ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return json::parse(buffer.str());
}

// What a fault handler may ask for.
// kLatin1: the body as a server misconfigured for Latin-1 sends it, each "é" (UTF-8 C3 A9) as the
// single byte E9, ill-formed UTF-8.
enum class Fault { kNone, k500, k429, kTruncate, kHtml200, kLatin1 };

struct ReplayData {
  json system_info;
  std::map<std::string, std::vector<json>> lists;  // by JSON key ("organisationUnits", ...)
  std::vector<json> data_values;
  std::vector<json> registrations;
  std::map<std::string, std::vector<json>> tracker;  // "trackedEntities", "enrollments", "events"

  // Adds every object of `key` once (by id; objects without id always).
  void AddList(const std::string& key, const json& objects) {
    std::set<std::string> seen;
    for (const auto& object : lists[key]) {
      seen.insert(object.value("id", ""));
    }
    for (const auto& object : objects) {
      std::string id = object.value("id", "");
      if (id.empty() || seen.insert(id).second) {
        lists[key].push_back(object);
      }
    }
  }
  void AddDataValues(const json& values) {
    std::set<std::string> seen;
    for (const auto& value : data_values) {
      seen.insert(Key(value));
    }
    for (const auto& value : values) {
      if (seen.insert(Key(value)).second) {
        data_values.push_back(value);
      }
    }
  }
  static std::string Key(const json& v) {
    return v.value("dataElement", "") + "/" + v.value("period", "") + "/" + v.value("orgUnit", "") +
           "/" + v.value("categoryOptionCombo", "") + "/" + v.value("attributeOptionCombo", "");
  }
};

class ReplayServer {
 public:
  explicit ReplayServer(ReplayData data, std::string user = "admin",
                        std::string password = "district")
      : data_(std::move(data)), user_(std::move(user)), password_(std::move(password)) {}

  void SetFault(std::function<Fault(const http::ServerRequest&)> fault) {
    fault_ = std::move(fault);
  }
  ReplayData& data() { return data_; }
  std::mutex& mutex() { return mutex_; }
  int requests() const { return requests_.load(); }

  Result<int> Start() {
    server_.Route("GET", "/api/.*",
                  [this](const http::ServerRequest& request, http::ServerResponse& response) {
                    ++requests_;
                    Handle(request, response);
                  });
    return server_.Start();
  }
  void Stop() { server_.Stop(); }

 private:
  static std::string Base64(const std::string& data) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int value = 0;
    int bits = -6;
    for (unsigned char c : data) {
      value = (value << 8) + c;
      bits += 8;
      while (bits >= 0) {
        out.push_back(kAlphabet[(value >> bits) & 0x3F]);
        bits -= 6;
      }
    }
    if (bits > -6) {
      out.push_back(kAlphabet[((value << 8) >> (bits + 8)) & 0x3F]);
    }
    while (out.size() % 4) {
      out.push_back('=');
    }
    return out;
  }

  bool UnderRoot(const std::string& org_unit, const std::string& root) const {
    auto found = paths_.find(org_unit);
    if (found == paths_.end()) {
      return true;  // unknown org units belong to every subtree
    }
    return found->second.find("/" + root) != std::string::npos;
  }

  void IndexLocked() {
    paths_.clear();
    for (const auto& unit : data_.lists["organisationUnits"]) {
      if (unit.contains("path")) {
        paths_[unit.value("id", "")] = unit["path"].get<std::string>();
      }
    }
    members_.clear();
    for (const auto& set : data_.lists["dataSets"]) {
      for (const auto& element : set.value("dataSetElements", json::array())) {
        members_[set.value("id", "")].insert(element["dataElement"].value("id", ""));
      }
    }
    for (const auto& group : data_.lists["dataElementGroups"]) {
      for (const auto& element : group.value("dataElements", json::array())) {
        members_[group.value("id", "")].insert(element.value("id", ""));
      }
    }
  }

  // Period selection as DHIS2 does it: listed ids, or start and end inside the date range.
  static bool PeriodSelected(const http::ServerRequest& request, const std::string& id) {
    std::vector<std::string> periods = request.Params("period");
    if (!periods.empty()) {
      return std::find(periods.begin(), periods.end(), id) != periods.end();
    }
    auto start = request.Param("startDate");
    auto end = request.Param("endDate");
    if (!start || !end) {
      return true;
    }
    Result<dhis2::Period> period = dhis2::ParsePeriodId(id);
    if (!period.ok()) {
      return false;
    }
    std::string first = dhis2::FormatDate(period->start());
    std::string last = dhis2::FormatDate(period->end());
    return first >= *start && last <= *end;
  }

  static std::string CsvCell(const json& value) {
    std::string text = value.is_null()     ? ""
                       : value.is_string() ? value.get<std::string>()
                                           : value.dump();
    if (text.find_first_of(",\"\n\r") == std::string::npos) {
      return text;
    }
    std::string out = "\"";
    for (char c : text) {
      out += c;
      if (c == '"') {
        out += '"';
      }
    }
    return out + "\"";
  }

  void Respond(const http::ServerRequest& request, http::ServerResponse& response, std::string body,
               const std::string& type) {
    Fault fault = fault_ ? fault_(request) : Fault::kNone;
    switch (fault) {
      case Fault::k500:
        response.SetStatus(500);
        response.SetBody("{\"httpStatus\":\"Internal Server Error\"}", "application/json");
        return;
      case Fault::k429:
        response.SetStatus(429);
        response.SetHeader("Retry-After", "1");
        response.SetBody("slow down", "text/plain");
        return;
      case Fault::kHtml200:
        response.SetBody("<!DOCTYPE html><html><body>Login</body></html>", "text/html");
        return;
      case Fault::kTruncate: {
        size_t length = body.size();
        auto shared = std::make_shared<std::string>(std::move(body));
        response.SetSizedBody(length, type, [shared](http::BodyWriter& writer) {
          writer.Write(std::string_view(*shared).substr(0, shared->size() / 2));
          return false;
        });
        return;
      }
      case Fault::kLatin1:
        for (size_t at = body.find("\xC3\xA9"); at != std::string::npos;
             at = body.find("\xC3\xA9", at + 1)) {
          body.replace(at, 2, "\xE9");
        }
        break;
      case Fault::kNone:
        break;
    }
    response.SetBody(std::move(body), type);
  }

  void Handle(const http::ServerRequest& request, http::ServerResponse& response) {
    std::string expected = "Basic " + Base64(user_ + ":" + password_);
    if (request.Header("Authorization").value_or("") != expected) {
      response.SetStatus(401);
      response.SetBody("{\"httpStatus\":\"Unauthorized\",\"httpStatusCode\":401}",
                       "application/json");
      return;
    }
    std::lock_guard lock(mutex_);
    IndexLocked();
    const std::string& path = request.path;
    if (path == "/api/system/info") {
      Respond(request, response, data_.system_info.dump(), "application/json");
      return;
    }
    if (path == "/api/dataValueSets.csv") {
      std::string selector =
          request.Param("dataSet").value_or(request.Param("dataElementGroup").value_or(""));
      std::string root = request.Param("orgUnit").value_or("");
      std::string since = request.Param("lastUpdated").value_or("");
      std::string csv =
          "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,created,lastupdated,"
          "comment,followup,deleted\n";
      for (const auto& value : data_.data_values) {
        if (members_[selector].count(value.value("dataElement", "")) == 0 ||
            !UnderRoot(value.value("orgUnit", ""), root) ||
            !PeriodSelected(request, value.value("period", "")) ||
            (!since.empty() && value.value("lastUpdated", "") < since)) {
          continue;
        }
        csv +=
            CsvCell(value["dataElement"]) + "," + CsvCell(value["period"]) + "," +
            CsvCell(value["orgUnit"]) + "," + CsvCell(value.value("categoryOptionCombo", json())) +
            "," + CsvCell(value.value("attributeOptionCombo", json())) + "," +
            CsvCell(value.value("value", json())) + "," + CsvCell(value.value("storedBy", json())) +
            "," + CsvCell(value.value("created", json())) + "," +
            CsvCell(value.value("lastUpdated", json())) + "," +
            CsvCell(value.value("comment", json())) + "," +
            CsvCell(value.value("followup", json(false))) + "," +
            CsvCell(value.value("deleted", json(false))) + "\n";
      }
      Respond(request, response, csv, "application/csv");
      return;
    }
    if (path == "/api/completeDataSetRegistrations") {
      json list = json::array();
      for (const auto& registration : data_.registrations) {
        if (registration.value("dataSet", "") == request.Param("dataSet").value_or("") &&
            UnderRoot(registration.value("organisationUnit", ""),
                      request.Param("orgUnit").value_or("")) &&
            PeriodSelected(request, registration.value("period", ""))) {
          list.push_back(registration);
        }
      }
      Respond(request, response, json{{"completeDataSetRegistrations", list}}.dump(),
              "application/json");
      return;
    }
    std::vector<json> records;
    std::string key;
    bool tracker = path.rfind("/api/tracker/", 0) == 0;
    if (tracker) {
      key = path.substr(std::string("/api/tracker/").size());
      std::string program = request.Param("program").value_or("");
      std::string since = request.Param("updatedAfter").value_or("");
      std::string first_program;
      for (const auto& p : data_.lists["programs"]) {
        if (p.value("programType", "WITH_REGISTRATION") == "WITH_REGISTRATION" &&
            (first_program.empty() || p.value("id", "") < first_program)) {
          first_program = p.value("id", "");
        }
      }
      std::map<std::string, std::set<std::string>> programs_of;
      for (const auto& enrollment : data_.tracker["enrollments"]) {
        programs_of[enrollment.value("trackedEntity", "")].insert(enrollment.value("program", ""));
      }
      for (const auto& record : data_.tracker[key]) {
        bool match;
        if (key == "trackedEntities") {
          auto found = programs_of.find(record.value("trackedEntity", ""));
          match = found == programs_of.end() ? program == first_program
                                             : found->second.count(program) > 0;
        } else {
          match = record.value("program", "") == program;
        }
        if (match &&
            UnderRoot(record.value("orgUnit", ""), request.Param("orgUnit").value_or("")) &&
            (since.empty() || record.value("updatedAt", "") >= since)) {
          records.push_back(record);
        }
      }
    } else {
      key = path.substr(std::string("/api/").size());
      auto found = data_.lists.find(key);
      // Types the recording does not hold are empty lists, as on a server without such objects.
      if (found != data_.lists.end()) {
        for (const auto& object : found->second) {
          bool keep = true;
          for (const std::string& filter : request.Params("filter")) {
            if (filter.rfind("level:eq:", 0) == 0) {
              keep = keep && object.contains("level") &&
                     std::to_string(object["level"].get<int>()) == filter.substr(9);
            } else if (filter.rfind("lastUpdated:ge:", 0) == 0) {
              keep = keep && object.value("lastUpdated", "") >= filter.substr(15);
            }
          }
          if (keep) {
            records.push_back(object);
          }
        }
      }
    }
    json body;
    int page_size = std::atoi(request.Param("pageSize").value_or("50").c_str());
    if (request.Param("paging").value_or("true") == "false") {
      body[key] = records;
    } else {
      int page = std::atoi(request.Param("page").value_or("1").c_str());
      size_t from = static_cast<size_t>((page - 1) * page_size);
      json slice = json::array();
      for (size_t i = from; i < records.size() && i < from + page_size; ++i) {
        slice.push_back(records[i]);
      }
      int page_count = static_cast<int>((records.size() + page_size - 1) / page_size);
      bool pager_envelope = !tracker || data_.system_info.value("version", "") >= "2.41";
      if (tracker && !pager_envelope) {
        body = {{"page", page}, {"pageSize", page_size}, {"instances", slice}};
      } else {
        json pager = {{"page", page}, {"pageSize", page_size}};
        if (!tracker) {
          pager["total"] = records.size();
          pager["pageCount"] = page_count;
        }
        if (page < page_count) {
          pager["nextPage"] = "http://replay" + path + "?page=" + std::to_string(page + 1);
        }
        body = {{"pager", pager}, {key, slice}};
      }
    }
    Respond(request, response, body.dump(), "application/json");
  }

  ReplayData data_;
  std::string user_;
  std::string password_;
  std::function<Fault(const http::ServerRequest&)> fault_;
  std::mutex mutex_;
  std::map<std::string, std::string> paths_;
  std::map<std::string, std::set<std::string>> members_;
  std::atomic<int> requests_{0};
  http::HttpServer server_;
};

}  // namespace dhl::source::testing
