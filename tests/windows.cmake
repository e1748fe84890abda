# The Windows suite under wine: one wine server, started before the first
# test and stopped after the last (a CTest fixture), so that no test pays
# for starting one or waits for one to go. Stopping fails if that server
# died during the run (tests/wine-server.sh). The toolchain file
# (cmake/mingw-w64-x86_64.cmake) sets the emulator and PRSHM_WINE_ENV.
if(WIN32 AND DEFINED PRSHM_WINE_ENV)
  find_program(PRSHM_WINESERVER NAMES wineserver64 wineserver PATHS /usr/lib/wine REQUIRED)
  add_test(NAME windows.wine_start
    COMMAND /usr/bin/env ${PRSHM_WINE_ENV} sh ${CMAKE_CURRENT_SOURCE_DIR}/wine-server.sh start
            ${PRSHM_WINESERVER} ${PRSHM_WINE})
  add_test(NAME windows.wine_stop
    COMMAND /usr/bin/env ${PRSHM_WINE_ENV} sh ${CMAKE_CURRENT_SOURCE_DIR}/wine-server.sh stop
            ${PRSHM_WINESERVER})
  # A new prefix takes a few seconds to set up.
  set_tests_properties(windows.wine_start PROPERTIES FIXTURES_SETUP prshm_wine TIMEOUT 300
    LABELS windows)
  set_tests_properties(windows.wine_stop PROPERTIES FIXTURES_CLEANUP prshm_wine LABELS windows)
  get_property(prshm_win_tests DIRECTORY PROPERTY TESTS)
  list(REMOVE_ITEM prshm_win_tests windows.wine_start windows.wine_stop)
  if(prshm_win_tests)
    set_tests_properties(${prshm_win_tests} PROPERTIES FIXTURES_REQUIRED prshm_wine)
  endif()
endif()
