# The companion library, libprshm-nspr: the same sources as libprshm, built
# against NSPR's installed headers, for programs that use NSPR. It has no
# error state or base types of its own: a failure inside prshm is recorded
# with libnspr4's PR_SetError(), so NSPR's PR_GetError() reports it, and it
# defines none of NSPR's symbols but the shared memory and semaphore calls
# it replaces (prshm_names.h), which it exports under their plain names for
# LD_PRELOAD only (src/nspr/preload.c).
# Programs compiled with its headers call it under link names of its own
# (include/companion/prshm_link.h), whatever the order of their flags.
#
# PRSHM_NSPR=AUTO builds it where NSPR's development package is found (by
# pkg-config) and links for this target; ON stops configuring if it cannot
# be built; OFF leaves it out. Windows never builds it. Sets
# PRSHM_HAVE_COMPANION, and the targets prshm_nspr (shared),
# prshm_nspr_static, and their aliases prshm::prshm_nspr and
# prshm::prshm_nspr_static.
set(PRSHM_HAVE_COMPANION OFF)
set(companion_missing "")
if(PRSHM_NSPR STREQUAL "OFF")
  set(companion_missing "PRSHM_NSPR=OFF")
elseif(WIN32)
  set(companion_missing "Windows has no companion build")
else()
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(PRSHM_NSPR_DEP QUIET IMPORTED_TARGET nspr)
  endif()
  if(NOT PRSHM_NSPR_DEP_FOUND)
    set(companion_missing "NSPR's development package (pkg-config nspr; Debian: libnspr4-dev) not found")
  else()
    find_library(PRSHM_NSPR4_LIBRARY nspr4 HINTS ${PRSHM_NSPR_DEP_LIBRARY_DIRS})
    # NSPR may be there for another architecture than this build's (a
    # 32-bit build on a 64-bit system): link a call to find out.
    include(CheckCSourceCompiles)
    set(CMAKE_REQUIRED_INCLUDES ${PRSHM_NSPR_DEP_INCLUDE_DIRS})
    set(CMAKE_REQUIRED_LIBRARIES ${PRSHM_NSPR4_LIBRARY})
    set(CMAKE_REQUIRED_QUIET ON)
    check_c_source_compiles("#include <prerror.h>
int main(void) { PR_SetError(PR_FILE_EXISTS_ERROR, 0); return PR_GetError() != PR_FILE_EXISTS_ERROR; }"
                            PRSHM_NSPR_LINKS)
    unset(CMAKE_REQUIRED_INCLUDES)
    unset(CMAKE_REQUIRED_LIBRARIES)
    unset(CMAKE_REQUIRED_QUIET)
    if(NOT PRSHM_NSPR4_LIBRARY OR NOT PRSHM_NSPR_LINKS)
      set(companion_missing "NSPR ${PRSHM_NSPR_DEP_VERSION} is there but a program of this build cannot link libnspr4")
    endif()
  endif()
endif()
if(companion_missing)
  if(PRSHM_NSPR STREQUAL "ON")
    message(FATAL_ERROR "prshm companion (libprshm-nspr): cannot build it: ${companion_missing}")
  endif()
  message(STATUS "prshm companion (libprshm-nspr): skipped (${companion_missing})")
  return()
endif()
set(PRSHM_HAVE_COMPANION ON)
message(STATUS "prshm companion (libprshm-nspr): built, against NSPR ${PRSHM_NSPR_DEP_VERSION}")

# The headers a build of the companion sees: prshm's API, the companion's
# link names, then NSPR's (whose prtypes.h and prerror.h are the ones used).
set(companion_include ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/include/companion)
set(companion_defines PRSHM_BUILDING _POSIX_C_SOURCE=200809L
    $<$<BOOL:${PRSHM_HAVE_POSIX_FALLOCATE}>:PRSHM_HAVE_POSIX_FALLOCATE>
    $<$<BOOL:${PRSHM_HAVE_SEM_TIMEDWAIT}>:PRSHM_HAVE_SEM_TIMEDWAIT>)

add_library(prshm_nspr_objects OBJECT ${prshm_common_sources} ${prshm_os_sources})
target_include_directories(prshm_nspr_objects PRIVATE ${PROJECT_SOURCE_DIR}/src ${prshm_os_dir}
                                                      ${companion_include})
target_link_libraries(prshm_nspr_objects PRIVATE PkgConfig::PRSHM_NSPR_DEP)
target_compile_definitions(prshm_nspr_objects PRIVATE ${companion_defines})

add_library(prshm_nspr SHARED $<TARGET_OBJECTS:prshm_nspr_objects> src/nspr/preload.c)
target_include_directories(prshm_nspr PRIVATE ${PROJECT_SOURCE_DIR}/src ${prshm_os_dir}
                                              ${PRSHM_NSPR_DEP_INCLUDE_DIRS})
target_compile_definitions(prshm_nspr PRIVATE ${companion_defines})
# The library itself needs libnspr4 alone (the error functions); programs
# get all of NSPR's flags through the INTERFACE link.
target_link_libraries(prshm_nspr PRIVATE ${PRSHM_NSPR4_LIBRARY} ${prshm_os_libs}
                                 INTERFACE PkgConfig::PRSHM_NSPR_DEP)
set_target_properties(prshm_nspr PROPERTIES OUTPUT_NAME prshm-nspr VERSION ${PROJECT_VERSION}
                                            SOVERSION ${PROJECT_VERSION_MAJOR})

add_library(prshm_nspr_static STATIC $<TARGET_OBJECTS:prshm_nspr_objects>)
set_target_properties(prshm_nspr_static PROPERTIES OUTPUT_NAME prshm-nspr)
target_link_libraries(prshm_nspr_static PUBLIC PkgConfig::PRSHM_NSPR_DEP PRIVATE ${prshm_os_libs})

# What a program using either gets: the companion's headers, and the link
# names bound before anything else by `-include prshm_link.h`, so that the
# order of include directories (NSPR's first, say) and whether the program
# includes nspr.h, prshm.h or both never decide whose functions it calls.
# Joined to its argument, the option survives CMake's removal of repeated
# options.
set(companion_link_h ${PROJECT_SOURCE_DIR}/include/companion/prshm_link.h)
set(companion_installed_link_h
    "$<INSTALL_PREFIX>/${CMAKE_INSTALL_INCLUDEDIR}/prshm-nspr/prshm_link.h")
foreach(lib prshm_nspr prshm_nspr_static)
  target_include_directories(${lib} PUBLIC
    "$<BUILD_INTERFACE:${companion_include}>"
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/prshm-nspr>)
  target_compile_options(${lib} INTERFACE
    "$<$<COMPILE_LANGUAGE:C,CXX>:-include$<BUILD_INTERFACE:${companion_link_h}>$<INSTALL_INTERFACE:${companion_installed_link_h}>>")
endforeach()
add_library(prshm::prshm_nspr ALIAS prshm_nspr)
add_library(prshm::prshm_nspr_static ALIAS prshm_nspr_static)

install(FILES ${prshm_api_headers} ${prshm_companion_headers}
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/prshm-nspr)
install(TARGETS prshm_nspr prshm_nspr_static EXPORT prshmNsprTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT prshmNsprTargets NAMESPACE prshm:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/prshm)
