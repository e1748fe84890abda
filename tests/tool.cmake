# test_unix_tool runs the real prshm command (tools/), so it needs the
# command built first and its path. Without the command (PRSHM_TOOLS=OFF)
# its cases skip.
if(TARGET test_unix_tool AND PRSHM_TOOLS AND NOT WIN32)
  add_dependencies(test_unix_tool prshm_tool)
  target_compile_definitions(test_unix_tool PRIVATE
    PRSHM_TOOL_PATH="$<TARGET_FILE:prshm_tool>")
endif()

# These two cases start the command as another user (nobody). Under valgrind
# (--trace-children) the command then runs under a valgrind that is nobody
# too and cannot write the log file CTest gave it, so it fails before the
# command starts. The code they reach (permission errors, "unknown") is
# still run under ASan and UBSan.
if(TARGET test_unix_tool)
  set_tests_properties(unix_tool.no_permission unix_tool.prune_keeps_what_it_cannot_check
    PROPERTIES LABELS "unix_tool;novalgrind")
endif()

# After `cmake --install`, the command, every subcommand and the manual work
# from the prefix. It installs the whole build: not a memory-checking target.
if(PRSHM_TOOLS AND NOT WIN32 AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME tool.install COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tool/check-tool-install.sh
                                     ${PROJECT_BINARY_DIR})
  set_tests_properties(tool.install PROPERTIES LABELS "tool;install;novalgrind;nosan" TIMEOUT 300)
endif()
