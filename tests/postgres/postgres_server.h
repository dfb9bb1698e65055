// A throwaway PostgreSQL 15 server for tests, from Debian's packages (/usr/lib/postgresql/15/bin):
// initdb into a temporary folder, started on a free loopback port with password authentication
// (scram-sha-256, superuser `postgres`), stopped and removed by the destructor. As root the server
// runs as the `postgres` user (runuser), as PostgreSQL refuses to run as root. Durability is off
// (fsync, full_page_writes): a test server's data is thrown away anyway.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace dhl::testing {

class PostgresServer {
 public:
  static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";
  static constexpr const char* kPassword = "Pg-secret-7Qx9";

  PostgresServer() {
    dir_ = std::filesystem::temp_directory_path() / ("dhl_pg_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "sock");
    std::ofstream(dir_ / "pw") << kPassword << "\n";
    port_ = FreePort();
    as_user_ = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    if (::geteuid() == 0) {
      std::system(("chown -R postgres " + dir_.string()).c_str());
    }
    std::string data = (dir_ / "data").string();
    ok_ = Run(std::string(kBin) + "/initdb -D " + data +
              " -U postgres -A scram-sha-256 --pwfile=" + (dir_ / "pw").string() +
              " -E UTF8 --locale=C.UTF-8 >" + (dir_ / "initdb.log").string() + " 2>&1") &&
          Run(std::string(kBin) + "/pg_ctl -D " + data + " -l " + (dir_ / "server.log").string() +
              " -w -o \"-p " + std::to_string(port_) + " -c listen_addresses=127.0.0.1 -k " +
              (dir_ / "sock").string() +
              " -c fsync=off -c full_page_writes=off -c synchronous_commit=off "
              "-c timezone=Etc/UTC\" start >/dev/null 2>&1");
  }
  ~PostgresServer() {
    if (ok_) {
      Run(std::string(kBin) + "/pg_ctl -D " + (dir_ / "data").string() +
          " -m immediate -w stop >/dev/null 2>&1");
    }
    std::filesystem::remove_all(dir_);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool ok() const { return ok_; }
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  // A URI without the password (the tests pass it through PGPASSWORD).
  std::string Uri(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }
  // Runs SQL with psql as the superuser (in database `database`); true on success.
  bool Psql(const std::string& database, const std::string& sql) const {
    std::string file = (dir_ / "query.sql").string();
    std::ofstream(file) << sql << "\n";
    return std::system(("PGPASSWORD=" + std::string(kPassword) + " " + kBin +
                        "/psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + std::to_string(port_) +
                        " -U postgres -d " + database + " -f " + file + " >/dev/null 2>&1")
                           .c_str()) == 0;
  }

 private:
  bool Run(const std::string& command) const {
    return std::system((as_user_ + "sh -c '" + command + "'").c_str()) == 0;
  }
  static int FreePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    int port = ntohs(address.sin_port);
    ::close(fd);
    return port;
  }

  std::filesystem::path dir_;
  std::string as_user_;
  int port_ = 0;
  bool ok_ = false;
};

}  // namespace dhl::testing
