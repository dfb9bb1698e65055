// Bronze -> silver: seconds and peak memory of `dhis2lake sync --only silver`, full and incremental
// after a share of the values changed, on the simulator's country. Each measured step is a child
// process (the CLI as a user runs it), so its peak resident memory is its own (wait4's ru_maxrss).
// Prints figures; asserts nothing.
//
//   build/bench/silver_bench [--scale small|medium|large] [--share 0.01] [--seed 1]
//
// Steps: start `dhis2lake sim`, extract into a temporary lake (not measured: that is the
// extractor's benchmark), build silver from scratch (--full), POST /admin/mutate?share=F, extract
// the changes, build silver incrementally, then build it --full again over the same bronze for
// comparison.
#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "http/curl_transport.h"

namespace {

namespace fs = std::filesystem;

struct Measure {
  int exit_code = -1;
  double seconds = 0;
  double peak_mib = 0;  // the child's maximum resident set size
  std::string output;
};

// Runs `args` (argv[0] is the binary) with stdout and stderr to `log`; waits and measures it.
Measure RunMeasured(const std::vector<std::string>& args, const fs::path& log,
                    const std::vector<std::string>& environment) {
  Measure measure;
  std::fflush(stdout);  // or the child inherits (and prints again) what is buffered
  std::fflush(stderr);
  auto started = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    (void)out;
    ::dup2(1, 2);
    for (const std::string& variable : environment) {
      ::putenv(const_cast<char*>(variable.c_str()));
    }
    std::vector<char*> argv;
    for (const std::string& arg : args) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  measure.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  measure.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  measure.peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
  std::ifstream in(log);
  measure.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return measure;
}

// The summary line of one model in a sync's output ("  silver.data_value  N in, M out, ...").
std::string ModelLine(const std::string& output, const std::string& model) {
  size_t at = output.find("  " + model + " ");
  if (at == std::string::npos) {
    return model + ": (not in the summary)";
  }
  size_t end = output.find('\n', at);
  return output.substr(at + 2, end == std::string::npos ? std::string::npos : end - at - 2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string scale = "small";
  std::string share = "0.01";
  std::string seed = "1";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--scale") {
      scale = argv[i + 1];
    } else if (flag == "--share") {
      share = argv[i + 1];
    } else if (flag == "--seed") {
      seed = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: silver_bench [--scale S] [--share F] [--seed N]\n");
      return 2;
    }
  }
  const std::string cli = DHL_CLI;
  fs::path dir = fs::temp_directory_path() / fmt::format("dhl_silver_bench_{}", ::getpid());
  fs::create_directories(dir);
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  std::ofstream(dir / "secrets.toml") << "hash_key = \"" << std::string(64, 'c') << "\"\n";
  // Readable by its owner alone, as dhis2lake wants a secrets file (else a warning each run).
  fs::permissions(dir / "secrets.toml", fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir / "dhis2lake.toml")
      << "[source]\nfirst_year = " << (utc.tm_year + 1900 - 3) << "\n";

  int fds[2];
  if (::pipe(fds) != 0) {
    return 1;
  }
  pid_t simulator = ::fork();
  if (simulator == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::execl(cli.c_str(), cli.c_str(), "sim", "--port", "0", "--scale", scale.c_str(), "--seed",
            seed.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string line;
  char c = 0;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') {
    line += c;
  }
  const std::string prefix = "listening on ";
  if (line.rfind(prefix, 0) != 0) {
    std::fprintf(stderr, "the simulator did not start: %s\n", line.c_str());
    return 1;
  }
  std::string url = line.substr(prefix.size());
  std::vector<std::string> environment = {"DHIS2_USERNAME=admin", "DHIS2_PASSWORD=district",
                                          "DHIS2LAKE_SECRETS=" + (dir / "secrets.toml").string()};
  auto sync = [&](const std::vector<std::string>& flags, const std::string& name) {
    std::vector<std::string> args = {cli,
                                     "--lake",
                                     (dir / "lake").string(),
                                     "--config",
                                     (dir / "dhis2lake.toml").string(),
                                     "sync",
                                     "--source",
                                     url};
    args.insert(args.end(), flags.begin(), flags.end());
    Measure measure = RunMeasured(args, dir / (name + ".log"), environment);
    if (measure.exit_code != 0) {
      std::fprintf(stderr, "%s failed (exit %d):\n%s\n", name.c_str(), measure.exit_code,
                   measure.output.c_str());
    }
    return measure;
  };
  int failures = 0;
  auto report = [&](const std::string& name, const Measure& measure) {
    fmt::print("{:<34} {:>8.2f} s  {:>8.1f} MiB peak   {}\n", name, measure.seconds,
               measure.peak_mib, ModelLine(measure.output, "silver.data_value"));
    failures += measure.exit_code != 0 ? 1 : 0;
  };

  fmt::print("silver_bench: scale {}, seed {}, share {}; simulator at {}\n", scale, seed, share,
             url);
  report("extract (first, not bronze->silver)", sync({"--only", "extract"}, "extract_first"));
  report("silver full", sync({"--only", "silver", "--full"}, "silver_full"));
  std::fflush(stdout);

  dhl::http::CurlTransport transport;
  dhl::http::HttpRequest request;
  request.method = "POST";
  request.url = url + "/admin/mutate?share=" + share;
  request.headers = {{"Authorization", "Basic YWRtaW46ZGlzdHJpY3Q="}};  // admin:district
  dhl::http::StringSink answer;
  dhl::Status posted = transport.Send(request, answer);
  fmt::print("mutate: {}\n", posted.ok() ? answer.body() : posted.ToString());

  report("extract (changes)", sync({"--only", "extract"}, "extract_changes"));
  Measure incremental = sync({"--only", "silver"}, "silver_incremental");
  report("silver incremental", incremental);
  report("silver full (same bronze)", sync({"--only", "silver", "--full"}, "silver_full_again"));
  fmt::print("\nincremental run's summary:\n{}", incremental.output);

  ::kill(simulator, SIGTERM);
  ::waitpid(simulator, nullptr, 0);
  fs::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
