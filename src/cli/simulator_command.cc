// `dhis2lake sim`: the built-in DHIS2 simulator (see docs/simulator.md).
#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "base/clock.h"
#include "cli/command.h"
#include "sim/postgres_country_writer.h"
#include "sim/sim_command.h"
#include "sim/sim_options.h"
#include "sim/simulator.h"
#include "source/dhis2_encryption.h"
#include "source/postgres_connection.h"
#include "source/secrets.h"

namespace dhl::cli {

namespace {

// `sim --write-postgres URI`: the country into a database, then exit.
int WriteToPostgres(const sim::SimOptions& options, const std::string& uri,
                    const std::string& encryption_password) {
  if (!source::IsPostgresUri(uri)) {
    return ReportFailure(InvalidArgument("--write-postgres " + source::MaskPostgresUri(uri) +
                                         ": not a postgresql:// URI"),
                         /*usage_on_invalid=*/true);
  }
  std::string password;
  const char* environment_password = std::getenv("PGPASSWORD");
  if (source::PostgresUriHasPassword(uri)) {
    fmt::print(stderr, "warning: {} carries a password; prefer PGPASSWORD or the secrets file\n",
               source::MaskPostgresUri(uri));
  } else if (environment_password == nullptr || *environment_password == '\0') {
    Result<source::Secrets> secrets = source::LoadSecrets(source::ProcessEnvironment());
    if (!secrets.ok()) {
      return ReportFailure(secrets.status());
    }
    password = secrets->postgres_password;
  }
  sim::Simulator simulator(options, SystemClock::Instance());
  Result<sim::PostgresWriteSummary> written =
      sim::WriteCountryToPostgres(simulator, uri, password, encryption_password);
  if (!written.ok()) {
    return ReportFailure(written.status());
  }
  fmt::print(stdout, "wrote {} org units, {} data values, {} complete registrations into {}{}\n",
             written->org_units, written->data_values, written->registrations,
             source::MaskPostgresUri(uri),
             written->created_schema ? " (created DHIS2's tables)" : "");
  return kExitOk;
}

}  // namespace

void AddSimCommand(CLI::App& app, Action* action) {
  struct Args {
    sim::SimOptions options;
    std::string scale = "small";
    bool stats = false;
    std::string write_postgres;
    std::string encryption_password = source::kDhis2DefaultEncryptionPassword;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "sim", "Serve a deterministic synthetic DHIS2 country over the real Web API shapes");
  command->add_option("--port", args->options.port, "Port on 127.0.0.1 (0 = a free port)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--scale", args->scale, "small (~100k values), medium (~5M), large (~50M)");
  command->add_option("--seed", args->options.seed, "Seed of the synthetic country");
  command->add_option("--dhis2-version", args->options.dhis2_version,
                      "DHIS2 version to present, 2.36 to 2.42");
  command->add_option("--fault-rate", args->options.fault_rate,
                      "Share of API requests answered with a fault (0 to 1)");
  command->add_option("--mutate", args->options.mutate,
                      "Share of the data changed, added or deleted at start (0 to 1)");
  command->add_option("--hold-back-months", args->options.hold_back_months,
                      "Withhold the values and registrations of the latest N months (today's "
                      "included) until POST /admin/release (0 to 12)");
  command->add_flag("--stats", args->stats, "Print the served record counts as JSON and exit");
  command->add_option("--write-postgres", args->write_postgres,
                      "Write the country into this PostgreSQL database (DHIS2's schema, created "
                      "when missing) and exit: postgresql://USER@HOST:PORT/DBNAME");
  command->add_option("--encryption-password", args->encryption_password,
                      "With --write-postgres: the simulated server's dhis.conf "
                      "encryption.password, which encrypts confidential attribute values as "
                      "DHIS2 stores them (default DHIS2's built-in one)");
  command->callback([action, args] {
    *action = [args](const Config&) {
      Result<sim::Scale> scale = sim::ParseScale(args->scale);
      if (!scale.ok()) {
        return ReportFailure(scale.status(), /*usage_on_invalid=*/true);
      }
      args->options.scale = *scale;
      Status valid = sim::ValidateSimOptions(args->options);
      if (!valid.ok()) {
        return ReportFailure(valid, /*usage_on_invalid=*/true);
      }
      if (args->stats) {
        Result<std::string> stats = sim::StatsJson(args->options);
        if (!stats.ok()) {
          return ReportFailure(stats.status());
        }
        fmt::print(stdout, "{}\n", *stats);
        return kExitOk;
      }
      if (!args->write_postgres.empty()) {
        return WriteToPostgres(args->options, args->write_postgres, args->encryption_password);
      }
      return sim::RunSimCommand(args->options);
    };
  });
}

}  // namespace dhl::cli
