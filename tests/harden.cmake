# Labels for the hardening tests (test_unix_limits.c, test_unix_killpoints.c,
# test_unix_security.c, test_unix_memlimit.c) that cannot run under every memory checker; each
# with its reason. scripts/test.sh skips nosan under ASan/TSan, notsan
# under TSan, and novalgrind under valgrind.
if(NOT WIN32)
  # valgrind keeps its own table of the client's mappings, smaller than the
  # kernel's vm.max_map_count (65530): it aborts ("VG_N_SEGMENTS is too
  # low") long before the kernel refuses a mapping, which is what this
  # test is about. The RLIMIT_AS case checks the same error path under
  # valgrind.
  set_tests_properties(unix_limits.map_count_limit PROPERTIES LABELS "unix_limits;novalgrind")
  # valgrind refuses a 1 TiB mapping with EINVAL where the kernel accepts it
  # (or would say ENOMEM); the reserved 1 TiB create is still checked
  # under valgrind by unix_limits.larger_than_memory.
  set_tests_properties(unix_limits.larger_than_memory_sparse PROPERTIES
    LABELS "unix_limits;novalgrind")
  # It fills /dev/shm with 100,000 segments and empties it again: tests
  # that list the default namespace meanwhile would read a directory of
  # 100,000 changing entries. Alone, it measures only itself.
  set_tests_properties(unix_limits.hundred_thousand_segments PROPERTIES RUN_SERIAL TRUE)
  # The child runs in a memory cgroup of 256 MiB, which valgrind's own
  # memory, or ThreadSanitizer's shadow of the 64 MiB the child writes
  # (several times its size), charged to the child, would fill: the case
  # would measure the tool. The stepping logic's cases (test_unix_memlimit.c)
  # run under both all the same, and the case itself under ASan.
  set_tests_properties(unix_memlimit.memory_cgroup_limit_is_an_error_code PROPERTIES
    LABELS "unix_memlimit;novalgrind;notsan")
endif()

# The kill-point test's last case runs the prshm command's prune (built after
# tests/, hence the generator expression). Without it the case skips.
if(TARGET test_unix_killpoints AND PRSHM_TOOLS AND NOT WIN32)
  add_dependencies(test_unix_killpoints prshm_tool)
  target_compile_definitions(test_unix_killpoints PRIVATE
    PRSHM_TOOL_PATH="$<TARGET_FILE:prshm_tool>")
endif()
