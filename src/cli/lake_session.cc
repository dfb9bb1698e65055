#include "cli/lake_session.h"

namespace dhl::cli {

LakeSession::LakeSession(engine::Database database, engine::Connection connection,
                         std::string lake_dir)
    : database_(std::move(database)),
      connection_(std::move(connection)),
      catalog_(std::move(lake_dir)) {}

Result<LakeSession> LakeSession::Open(const std::string& lake_dir, bool register_tables) {
  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open());
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
  LakeSession session(std::move(database), std::move(connection), lake_dir);
  if (register_tables) {
    DHL_ASSIGN_OR_RETURN(session.skipped_, session.catalog_.RegisterAll(session.connection()));
  }
  return session;
}

}  // namespace dhl::cli
