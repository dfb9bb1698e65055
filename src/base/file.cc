#include "base/file.h"

#include <fstream>
#include <sstream>

namespace dhl {

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return IoError("cannot read " + path + ": read failed");
  return text.str();
}

}  // namespace dhl
