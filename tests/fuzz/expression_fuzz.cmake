# The expression language's fuzz target (parse, type check, evaluate under a budget):
# expression_fuzz.cpp, seeds in corpus/expression/, words in expression.dict. Its own file,
# included after tests/fuzz/CMakeLists.txt, so that the parsers' targets and this one are
# kept apart; the binary goes beside theirs, where run_fuzz.sh looks for NAME_fuzz.
add_executable(expression_fuzz ${CMAKE_CURRENT_LIST_DIR}/expression_fuzz.cpp)
target_link_libraries(expression_fuzz PRIVATE parallax_query)
target_link_options(expression_fuzz PRIVATE -fsanitize=fuzzer)
set_target_properties(expression_fuzz PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                                 ${PROJECT_BINARY_DIR}/tests/fuzz)
if(TARGET fuzz_targets)
  add_dependencies(fuzz_targets expression_fuzz)
endif()
