// The generators the shipped models (models/**.sql) call with generated('name'). Each generator lives
// in its own file with its own header; register it here with one line.
#include "pipeline/generator.h"

namespace dhl::pipeline {

const GeneratorRegistry& BuiltinGenerators() {
  static const GeneratorRegistry registry = [] {
    GeneratorRegistry built;
    return built;
  }();
  return registry;
}

}  // namespace dhl::pipeline
