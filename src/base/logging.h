// Process-wide logging to standard error, as text for people or as one JSON object per line for
// machines (`--log-format json`). Built on spdlog; thread-safe. Messages must never carry
// credentials.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace dhl {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };
enum class LogFormat { kText, kJson };

// Parses "debug|info|warn|warning|error|off" and "text|json".
Result<LogLevel> ParseLogLevel(std::string_view text);
Result<LogFormat> ParseLogFormat(std::string_view text);

// Configures the process logger. Safe to call more than once (the last call wins).
void InitLogging(LogLevel level, LogFormat format);

void Log(LogLevel level, std::string_view message);

template <typename... Args>
void LogDebug(fmt::format_string<Args...> f, Args&&... args) {
  Log(LogLevel::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogInfo(fmt::format_string<Args...> f, Args&&... args) {
  Log(LogLevel::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogWarn(fmt::format_string<Args...> f, Args&&... args) {
  Log(LogLevel::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogError(fmt::format_string<Args...> f, Args&&... args) {
  Log(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
}

// Escapes `text` as the inside of a JSON string (no surrounding quotes).
std::string JsonEscape(std::string_view text);

}  // namespace dhl
