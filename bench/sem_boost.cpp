/*
 * sem_boost.cpp - Boost.Interprocess's named semaphore and named mutex,
 * through their public API, behind the semaphore benchmark's C table.
 *
 *   create  named_semaphore(create_only, name, value, 0600)
 *   open    named_semaphore(open_only, name)
 *   post    post()      wait  wait()
 *   close   the object's end       remove  named_semaphore::remove(name)
 *   lock    named_mutex (create_only) lock() and unlock(): not robust, a
 *           comparison of cost only
 *
 * On Linux Boost builds these on POSIX named semaphores (sem_open), whose
 * names are shm_open names without the leading '/'. Boost reports failures
 * by exceptions; each is caught here.
 */
#include <boost/interprocess/permissions.hpp>
#include <boost/interprocess/sync/named_mutex.hpp>
#include <boost/interprocess/sync/named_semaphore.hpp>
#include <boost/version.hpp>

#include <cstdio>
#include <exception>
#include <new>

#include "sem.h"

namespace {

namespace bip = boost::interprocess;

bip::permissions boost_perms() {
  bip::permissions p;
  p.set_permissions(0600);
  return p;
}

const char *boost_describe() {
  static char text[128];
  std::snprintf(text, sizeof text, "boost %d.%d: interprocess::named_semaphore, named_mutex",
                BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000);
  return text;
}

void *boost_create(const char *name, unsigned value) {
  try {
    return new bip::named_semaphore(bip::create_only, name + 1, value, boost_perms());
  } catch (const std::exception &) {
    return nullptr;
  }
}

void *boost_open(const char *name) {
  try {
    return new bip::named_semaphore(bip::open_only, name + 1);
  } catch (const std::exception &) {
    return nullptr;
  }
}

int boost_post(void *s) {
  try {
    static_cast<bip::named_semaphore *>(s)->post();
    return 0;
  } catch (const std::exception &) {
    return -1;
  }
}

int boost_wait(void *s) {
  try {
    static_cast<bip::named_semaphore *>(s)->wait();
    return 0;
  } catch (const std::exception &) {
    return -1;
  }
}

int boost_close(void *s) {
  delete static_cast<bip::named_semaphore *>(s);
  return 0;
}

int boost_remove(const char *name) { return bip::named_semaphore::remove(name + 1) ? 0 : -1; }

void *boost_lock_create(const char *name) {
  try {
    return new bip::named_mutex(bip::create_only, name + 1, boost_perms());
  } catch (const std::exception &) {
    return nullptr;
  }
}

int boost_lock(void *m) {
  try {
    static_cast<bip::named_mutex *>(m)->lock();
    return 0;
  } catch (const std::exception &) {
    return -1;
  }
}

int boost_unlock(void *m) {
  try {
    static_cast<bip::named_mutex *>(m)->unlock();
    return 0;
  } catch (const std::exception &) {
    return -1;
  }
}

int boost_lock_close(void *m) {
  delete static_cast<bip::named_mutex *>(m);
  return 0;
}

int boost_lock_remove(const char *name) { return bip::named_mutex::remove(name + 1) ? 0 : -1; }

}  // namespace

extern "C" const sem_lib sem_lib_boost = {
    "boost",
    boost_describe,
    SEM_ROLE_POSTWAIT | SEM_ROLE_PINGPONG | SEM_ROLE_OPEN | SEM_ROLE_CREATE | SEM_ROLE_LOCK,
    nullptr,
    boost_create,
    boost_open,
    boost_post,
    boost_wait,
    boost_close,
    boost_remove,
    boost_lock_create,
    boost_lock,
    boost_unlock,
    boost_lock_close,
    boost_lock_remove,
};
