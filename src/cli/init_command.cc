// `dhis2lake init`: writes a commented dhis2lake.toml in the current folder (never overwriting one)
// and makes sure the secrets file with the hashing key exists.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/command.h"
#include "source/extract_options.h"
#include "source/landing_file.h"
#include "source/secrets.h"

namespace dhl::cli {

void AddInitCommand(CLI::App& app, Action* action) {
  auto force = std::make_shared<bool>(false);
  auto path = std::make_shared<std::string>("dhis2lake.toml");
  CLI::App* command = app.add_subcommand("init", "Write a commented dhis2lake.toml");
  command->add_option("--file", *path, "Where to write it (default ./dhis2lake.toml)");
  command->add_flag("--force", *force, "Overwrite an existing file");
  command->callback([action, force, path] {
    *action = [force, path](const Config&) {
      if (std::filesystem::exists(*path) && !*force) {
        fmt::print(stderr, "error: {} exists (use --force to overwrite it)\n", *path);
        return kExitFailure;
      }
      Status written = source::WriteFileAtomically(*path, source::InitConfigText());
      if (!written.ok()) {
        return ReportFailure(written);
      }
      fmt::print(stdout, "wrote {}\n", *path);
      Result<source::Secrets> secrets = source::LoadSecrets(source::ProcessEnvironment());
      if (!secrets.ok()) {
        return ReportFailure(secrets.status());
      }
      if (!secrets->created) {
        fmt::print(stdout, "secrets file: {}\n", secrets->file);
      }
      return kExitOk;
    };
  });
}

}  // namespace dhl::cli
