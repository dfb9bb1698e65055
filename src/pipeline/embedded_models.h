// The model files under models/ compiled into the binary by dhl_embed_models (see CMakeLists.txt),
// keyed by their path relative to models/ ("silver/data_value.sql"). Link dhl_pipeline_models to
// get the definition. Thread-safe (a function-local constant).
#pragma once

#include <map>
#include <string>

namespace dhl::pipeline {

const std::map<std::string, std::string>& EmbeddedModels();

}  // namespace dhl::pipeline
