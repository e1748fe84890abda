/*
 * lib_boost.cpp - Boost.Interprocess's named shared memory, through its
 * public API, behind the harness's C table.
 *
 *   create  shared_memory_object(create_only, name, read_write, 0600),
 *           truncate(size)
 *   open    shared_memory_object(open_only, name, read_write)
 *   attach  mapped_region(object, read_write): the whole object (Boost
 *           asks the object's size first)
 *   detach  the region's end (munmap)
 *   close   the object's end (close)
 *   remove  shared_memory_object::remove(name)
 *
 * Boost names are POSIX shm_open names without the leading '/', which
 * Boost adds itself, so the harness's names pass without their first
 * character. Boost reports failures by exceptions; each is caught here and
 * its text kept for `error`.
 */
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/permissions.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/version.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

#include "bench.h"

namespace {

namespace bip = boost::interprocess;

// A handle as the table holds it: the object and its one mapping.
struct boost_seg {
  bip::shared_memory_object shm;  // the open object (a descriptor)
  bip::mapped_region region;      // its mapping while attached, else empty
};

// The text of the last failure, for boost_error.
char boost_error_text[192];

int boost_fail(const char *what) {
  std::snprintf(boost_error_text, sizeof boost_error_text, "%s", what);
  return -1;
}

const char *boost_describe() {
  static char text[128];

  std::snprintf(text, sizeof text,
                "Boost.Interprocess %d.%d: shared_memory_object, truncate, mapped_region",
                BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000);
  return text;
}

int boost_create(const char *name, size_t size, bench_seg *seg) {
  try {
    std::unique_ptr<boost_seg> s(new boost_seg);
    bip::shared_memory_object shm(bip::create_only, name + 1, bip::read_write,
                                  bip::permissions(0600));
    try {
      shm.truncate(static_cast<bip::offset_t>(size));
    } catch (...) {
      bip::shared_memory_object::remove(name + 1);
      throw;
    }
    s->shm.swap(shm);
    seg->handle = s.release();
    seg->size = size;
    return 0;
  } catch (const std::exception &e) {
    return boost_fail(e.what());
  }
}

int boost_open(const char *name, size_t size, bench_seg *seg) {
  try {
    std::unique_ptr<boost_seg> s(new boost_seg);
    bip::shared_memory_object shm(bip::open_only, name + 1, bip::read_write);
    s->shm.swap(shm);
    seg->handle = s.release();
    seg->size = size;
    return 0;
  } catch (const std::exception &e) {
    return boost_fail(e.what());
  }
}

void *boost_attach(bench_seg *seg) {
  boost_seg *s = static_cast<boost_seg *>(seg->handle);

  try {
    bip::mapped_region region(s->shm, bip::read_write);
    s->region.swap(region);
    return s->region.get_address();
  } catch (const std::exception &e) {
    boost_fail(e.what());
    return nullptr;
  }
}

int boost_detach(bench_seg *seg, void *addr) {
  boost_seg *s = static_cast<boost_seg *>(seg->handle);
  bip::mapped_region gone;

  if (addr != s->region.get_address()) return boost_fail("not the attached address");
  // The swapped-out region ends with `gone`, unmapping it.
  s->region.swap(gone);
  return 0;
}

int boost_close(bench_seg *seg) {
  delete static_cast<boost_seg *>(seg->handle);
  return 0;
}

int boost_remove(const char *name) {
  if (bip::shared_memory_object::remove(name + 1)) return 0;
  return boost_fail(std::strerror(errno));
}

const char *boost_error() { return boost_error_text; }

}  // namespace

extern "C" const bench_lib bench_lib_boost = {
    "boost",     boost_describe, BENCH_ROLE_ALL, nullptr,      nullptr,
    nullptr,     boost_create,   boost_open,     boost_attach, boost_detach,
    boost_close, boost_remove,   boost_error,
};
