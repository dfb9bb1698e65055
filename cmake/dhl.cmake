# Helpers that give every module the same shape: one library per folder, its unit tests in one
# executable registered with ctest.

# dhl_library(NAME SOURCES a.cc b.cc DEPS other_lib ...)
function(dhl_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${DHL_WARNINGS})
  if(TARGET dhl_library_pch)
    target_precompile_headers(${name} REUSE_FROM dhl_library_pch)
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  dhl_unity(${name})
endfunction()

# dhl_unity(TARGET): a unity build of the target (batches of 16 files) when DHL_UNITY is on (the
# default). About 60% of a library file's compile time was instantiating and optimising the same
# nlohmann/fmt/standard code as its neighbours did; compiled in batches, that work is done once per
# batch (three src/lake files: 34.8 CPU s apart, 19.5 s together; src/source's 16 files: 38 CPU s as
# one batch, about 50 as two). Names in a file's anonymous namespace must therefore be unique within
# its library, and must not shadow a function its folder's headers or src/base declare (a call
# elsewhere in the batch would silently bind to it): scripts/check_unity_names.py checks both (ctest
# unity_names_check). Shared helpers belong in a header (base/text.h, dhis2/period.h, ...); a file
# that cannot join yet is marked SKIP_UNITY_BUILD_INCLUSION with the reason.
function(dhl_unity name)
  if(DHL_UNITY)
    set_target_properties(${name} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 16)
    # g++ takes a .cc included into the batch for a header, and warns that a class there holds a
    # type of the file's anonymous namespace; the batch is one translation unit, so it is not.
    target_compile_options(${name} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-subobject-linkage>)
  endif()
endfunction()

# Test code is compiled without optimisation in an optimised build: the libraries it exercises keep
# -O2 (the tests' time goes there and into DuckDB), and a test file (gtest, nlohmann and fmt
# templates) compiles about a third faster than at -O1 (src/lake/delta_table_test.cc: 22.7 -> 14.5
# CPU s). g++ 12 below -O2 reports impossible out-of-bounds copies in std::string concatenation
# (GCC bug 105329's family).
set(DHL_TEST_OPTIMIZE $<$<CONFIG:Release,RelWithDebInfo>:-O0>)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND DHL_TEST_OPTIMIZE -Wno-array-bounds -Wno-stringop-overflow)
endif()

# dhl_pch(): two precompiled headers, one every library reuses (the standard library, fmt,
# nlohmann) and one every test executable reuses (the same plus gtest and gmock, with the tests' flags).
# Parsing these headers was about a third of each file's compile time. Call after find_package(GTest fmt
# spdlog nlohmann_json).
function(dhl_pch)
  set(common <algorithm> <chrono> <cmath> <cstdint> <cstdio> <cstdlib> <filesystem> <fstream>
             <functional> <map> <memory> <mutex> <optional> <regex> <set> <sstream> <string>
             <thread> <vector> <fmt/format.h> <nlohmann/json.hpp>)
  add_library(dhl_library_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/pch.cc)
  target_compile_options(dhl_library_pch PRIVATE ${DHL_WARNINGS})
  target_link_libraries(dhl_library_pch PUBLIC fmt::fmt spdlog::spdlog nlohmann_json::nlohmann_json)
  target_precompile_headers(dhl_library_pch PRIVATE ${common})

  add_library(dhl_test_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/pch.cc)
  target_compile_options(dhl_test_pch PRIVATE ${DHL_WARNINGS} ${DHL_TEST_OPTIMIZE})
  target_link_libraries(dhl_test_pch PUBLIC fmt::fmt spdlog::spdlog nlohmann_json::nlohmann_json
                        GTest::gtest GTest::gmock)
  target_precompile_headers(dhl_test_pch PRIVATE ${common} <random> <gmock/gmock.h> <gtest/gtest.h>)
endfunction()

# dhl_test(NAME SOURCES a_test.cc ... DEPS lib ... [LABELS l])
function(dhl_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${DHL_WARNINGS} ${DHL_TEST_OPTIMIZE})
  if(TARGET dhl_test_pch)
    target_precompile_headers(${name} REUSE_FROM dhl_test_pch)
  endif()
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  dhl_link_test_paths(${name})
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  set_tests_properties(${name} PROPERTIES WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  if(ARG_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  else()
    set_tests_properties(${name} PROPERTIES TIMEOUT 600)
  endif()
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

# dhl_module(NAME DEPS lib ... [TEST_DEPS lib ...])
# A module whose library is every .cc in the folder but the tests (*_test.cc) and fuzz targets
# (*_fuzz.cc), and whose tests are one executable per *_test.cc, named <NAME>_<file>.
# Several people add files to a module at once, so the lists are globbed rather than kept by hand.
function(dhl_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  file(GLOB fuzzers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_fuzz.cc)
  if(tests)
    list(REMOVE_ITEM sources ${tests})
  endif()
  if(fuzzers)
    list(REMOVE_ITEM sources ${fuzzers})
  endif()
  if(sources)
    dhl_library(dhl_${name} SOURCES ${sources} DEPS ${ARG_DEPS})
  else()
    add_library(dhl_${name} INTERFACE)
    target_include_directories(dhl_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(dhl_${name} INTERFACE ${ARG_DEPS})
  endif()
  foreach(test_source ${tests})
    get_filename_component(stem ${test_source} NAME_WE)
    dhl_test(${name}_${stem} SOURCES ${test_source} DEPS dhl_${name} ${ARG_TEST_DEPS})
  endforeach()
endfunction()

# dhl_link_test_paths(TARGET): src/base/test_paths.h's DHL_SOURCE_DIR, DHL_BINARY_DIR and DHL_CLI
# for the target's files. Only cmake/test_paths.cc is compiled with the absolute paths, so every
# other test object is the same in any tree (ccache shares them between clones and worktrees).
function(dhl_link_test_paths name)
  if(NOT TARGET dhl_test_paths)
    add_library(dhl_test_paths STATIC ${PROJECT_SOURCE_DIR}/cmake/test_paths.cc)
    target_include_directories(dhl_test_paths PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_compile_definitions(dhl_test_paths PRIVATE DHL_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      DHL_TEST_BINARY_DIR="${PROJECT_BINARY_DIR}"
      DHL_TEST_CLI="$<$<TARGET_EXISTS:dhis2lake>:${PROJECT_BINARY_DIR}/src/cli/dhis2lake>")
  endif()
  target_link_libraries(${name} PRIVATE dhl_test_paths)
endfunction()
