// `dhis2lake sync [--source URL|DIR] [--full] [--only extract]`: extraction into bronze (later
// issues add the silver and gold stages). Credentials come from the environment or the secrets file
// only.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "base/logging.h"
#include "cli/command.h"
#include "http/curl_transport.h"
#include "source/export_folder_source.h"
#include "source/extract_options.h"
#include "source/secrets.h"
#include "source/web_api_extractor.h"

namespace dhl::cli {
namespace {

struct SyncArgs {
  std::string source;
  bool full = false;
  std::string only;
};

int RunSync(const Config& config, const SyncArgs& args) {
  if (!args.only.empty()) {
    size_t start = 0;
    while (start <= args.only.size()) {
      size_t comma = args.only.find(',', start);
      std::string stage =
          args.only.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (stage != "extract") {
        fmt::print(stderr,
                   "error: --only {}: only the extract stage exists so far (silver and gold come "
                   "with the pipeline)\n",
                   stage);
        return kExitUsage;
      }
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  Result<source::ExtractOptions> options = source::LoadExtractOptions(config.config_file);
  if (!options.ok()) {
    return ReportFailure(options.status(), /*usage_on_invalid=*/true);
  }
  options->full = args.full;
  options->only = args.only;
  Result<source::Secrets> secrets = source::LoadSecrets(source::ProcessEnvironment());
  if (!secrets.ok()) {
    return ReportFailure(secrets.status());
  }
  bool is_url = args.source.rfind("http://", 0) == 0 || args.source.rfind("https://", 0) == 0;
  Result<source::ExtractSummary> summary = Status(StatusCode::kInternal, "not run");
  if (!args.source.empty() && !is_url) {
    source::ExportFolderSource folder(config.lake_dir, args.source, *options, *secrets);
    summary = folder.Run();
  } else {
    if (is_url) {
      secrets->url = args.source;
    }
    source::ExtractorEnvironment environment;
    environment.transports = [] { return std::make_unique<http::CurlTransport>(); };
    source::WebApiExtractor extractor(config.lake_dir, *options, *secrets, environment);
    summary = extractor.Run();
  }
  if (!summary.ok()) {
    return ReportFailure(summary.status());
  }
  fmt::print(stdout, "{}", summary->ToText());
  return kExitOk;
}

}  // namespace

void AddSyncCommand(CLI::App& app, Action* action) {
  auto args = std::make_shared<SyncArgs>();
  CLI::App* command =
      app.add_subcommand("sync", "Extract DHIS2 data into bronze (incremental by default)");
  command->add_option("--source", args->source,
                      "A DHIS2 server URL (default DHIS2_URL) or a folder of DHIS2 exports");
  command->add_flag("--full", args->full, "Fetch everything again, not only what changed");
  command->add_option("--only", args->only, "Stages to run (only 'extract' exists so far)");
  command->callback([action, args] {
    *action = [args](const Config& config) { return RunSync(config, *args); };
  });
}

}  // namespace dhl::cli
