/*
 * test_win_security.c - a segment's mode and its creator's integrity level
 * as a Windows security descriptor: the owner from the creating thread's
 * token, a DACL that gives the owner exactly the owner bits and everyone
 * else exactly the other bits (the group bits grant nothing: Windows has no
 * group that means "the owner's group", and the token's primary group is
 * every local or domain user), a mandatory label at the creator's level
 * (at most Medium when others are granted something), the marker that
 * carries the exact size, and the tombstone of a deleted one.
 *
 * Wine runs every process as one user, so other users are made by giving
 * prshm a token with a user (and group) that this process is not: through
 * the system-call table, its token query returns made-up SIDs. Wine lets a
 * process name any owner; Windows refuses (ERROR_INVALID_OWNER) without
 * SeRestorePrivilege, and those cases skip there. Wine keeps labels but
 * does not enforce them, so the labels are checked as written.
 */
#include <windows.h>
#include <aclapi.h>

#include "runner.h"
#include "win.h"

static prshm__syscalls sec_real; /* the table before a test changed it */
static PSID sec_fake_owner;      /* made-up SIDs, or NULL for the token's own */
static PSID sec_fake_group;
static PSID sec_fake_level; /* a made-up integrity level (S-1-16-x), or NULL */

/* Answers TokenUser, TokenPrimaryGroup and TokenIntegrityLevel with the
 * made-up SIDs. The three structures start with the SID pointer. */
static BOOL sec_fake_token(HANDLE token, TOKEN_INFORMATION_CLASS what, void *buf, DWORD size,
                           DWORD *needed) {
  PSID sid = what == TokenUser             ? sec_fake_owner
             : what == TokenPrimaryGroup   ? sec_fake_group
             : what == TokenIntegrityLevel ? sec_fake_level
                                           : NULL;
  DWORD len, total;

  if (sid == NULL) return sec_real.get_token_information(token, what, buf, size, needed);
  len = GetLengthSid(sid);
  total = (DWORD)sizeof(TOKEN_USER) + len;
  *needed = total;
  if (size < total) {
    SetLastError(ERROR_INSUFFICIENT_BUFFER);
    return FALSE;
  }
  CHECK(CopySid(len, (BYTE *)buf + sizeof(TOKEN_USER), sid));
  ((TOKEN_USER *)buf)->User.Sid = (BYTE *)buf + sizeof(TOKEN_USER);
  ((TOKEN_USER *)buf)->User.Attributes = 0;
  return TRUE;
}

/* S-1-5-21-1-2-3-rid: an account of a domain nobody here belongs to. */
static PSID sec_made_up(DWORD rid) {
  SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
  PSID sid;
  CHECK(AllocateAndInitializeSid(&nt, 5, 21, 1, 2, 3, rid, 0, 0, 0, &sid));
  return sid;
}

/* One of the token's own SIDs (TokenUser or TokenPrimaryGroup), heap copy. */
static PSID sec_token_sid(TOKEN_INFORMATION_CLASS what) {
  void *buf[64];
  DWORD needed;
  HANDLE token;
  PSID sid, copy;

  CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
  CHECK(GetTokenInformation(token, what, buf, sizeof buf, &needed));
  CloseHandle(token);
  sid = what == TokenUser ? ((TOKEN_USER *)buf)->User.Sid
                          : ((TOKEN_PRIMARY_GROUP *)buf)->PrimaryGroup;
  copy = malloc(GetLengthSid(sid));
  CHECK(copy != NULL && CopySid(GetLengthSid(sid), copy, sid));
  return copy;
}

/* Creates `name` as the (possibly made-up) owner and group; NULL if Windows
 * refuses a made-up owner. */
static PRSharedMemory *sec_create(const char *name, PRIntn mode, PSID owner, PSID group) {
  PRSharedMemory *shm;

  sec_real = prshm__sys;
  sec_fake_owner = owner;
  sec_fake_group = group;
  prshm__sys.get_token_information = sec_fake_token;
  shm = PR_OpenSharedMemory(name, 100, PR_SHM_CREATE | PR_SHM_EXCL, mode);
  prshm__sys_reset();
  if (shm == NULL && PR_GetOSError() == ERROR_INVALID_OWNER)
    SKIP("Windows lets no process name another owner without SeRestorePrivilege");
  CHECK_NOT_NULL(shm);
  return shm;
}

/* How this process can open `name`: 0 not at all, 1 read-only, 2 read-write. */
static int sec_access(const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 0, 0, 0);
  void *p;
  int level = 2;

  if (shm == NULL) {
    CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
    return 0;
  }
  p = PR_AttachSharedMemory(shm, 0);
  if (p == NULL) {
    CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
    level = 1;
    p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
    CHECK_NOT_NULL(p);
  }
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  return level;
}

/* What Unix grants for three rwx bits, in sec_access() levels. */
static int sec_unix_level(unsigned bits) { return (bits & 6) == 6 ? 2 : (bits & 4) != 0 ? 1 : 0; }

/* For every mode: create as `owner`/`group`, open as this process, which
 * must get exactly the bits of the class `shift` selects (6 owner, 3 group,
 * 0 everyone). A segment of another owner cannot be deleted by this
 * process; it goes when the process exits. */
static void sec_every_mode(PSID owner, PSID group, unsigned shift) {
  PRIntn mode;

  for (mode = 0; mode <= 0777; mode++) {
    char name[96];
    PRSharedMemory *shm;
    int got;
    snprintf(name, sizeof name, "/prshm-test-%ld-mode-%o", t_pid(), (unsigned)mode);
    shm = sec_create(name, mode, owner, group);
    CHECK_OK(PR_CloseSharedMemory(shm));
    got = sec_access(name);
    if (got != sec_unix_level((unsigned)mode >> shift & 7))
      t_fail(__FILE__, __LINE__, "mode %03o: access level %d, expected %d", (unsigned)mode, got,
             sec_unix_level((unsigned)mode >> shift & 7));
    if (owner == NULL) {
      CHECK_OK(PR_DeleteSharedMemory(name));
    } else {
      CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
      CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
    }
  }
}

TEST(owner_gets_exactly_the_owner_bits) { sec_every_mode(NULL, NULL, 6); }

TEST(group_bits_grant_nothing) {
  PSID group = sec_token_sid(TokenPrimaryGroup), owner = sec_made_up(4001);
  /* This process is in the creator's primary group ("None" or "Domain
   * Users" on Windows: every local or domain user), and gets exactly what
   * everyone else gets. */
  sec_every_mode(owner, group, 0);
  FreeSid(owner);
  free(group);
}

TEST(everyone_else_gets_exactly_the_other_bits) {
  PSID owner = sec_made_up(4001), group = sec_made_up(4002);
  sec_every_mode(owner, group, 0);
  FreeSid(owner);
  FreeSid(group);
}

TEST(mode_0600_admits_only_the_creating_user) {
  const char *name = t_name("only");
  PSID owner = sec_made_up(4001), group = sec_made_up(4002);
  PRSharedMemory *shm = sec_create(name, 0600, owner, group);

  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_ACCESS_DENIED);
  /* Nor may another user delete it, as with Unix's sticky /dev/shm. */
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  CHECK_OK(PR_CloseSharedMemory(shm));
  FreeSid(owner);
  FreeSid(group);
}

/* The descriptor of an object, read back by its name. */
typedef struct sec_read {
  PSECURITY_DESCRIPTOR sd; /* LocalFree() it */
  PSID owner, group;       /* inside sd */
  PACL dacl, sacl;         /* inside sd; sacl holds the label */
} sec_read;

static void sec_read_handle(HANDLE h, sec_read *r) {
  CHECK_EQ(GetSecurityInfo(h, SE_KERNEL_OBJECT,
                           OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                               DACL_SECURITY_INFORMATION | LABEL_SECURITY_INFORMATION,
                           &r->owner, &r->group, &r->dacl, &r->sacl, &r->sd),
           ERROR_SUCCESS);
}

/* The segment `name`'s descriptor, or with `suffix` that of the event
 * that goes with it. */
static void sec_read_back(const char *name, char suffix, sec_read *r) {
  char key[PRSHM__KEY_SIZE];
  WCHAR wide[PRSHM__KEY_SIZE + 1];
  HANDLE h;

  CHECK_OK(prshm__backend_impl.key(name, PRSHM__KIND_SEG, key));
  if (suffix == 0) {
    CHECK_OK(prshm__win_widen(key, wide));
    h = OpenFileMappingW(READ_CONTROL, FALSE, wide);
  } else {
    prshm__win_suffixed(key, suffix, wide);
    h = OpenEventW(READ_CONTROL, FALSE, wide);
  }
  CHECK(h != NULL);
  sec_read_handle(h, r);
  CloseHandle(h);
}

/* Checks ACE i of `acl`: its type, rights and SID. */
static void sec_check_ace(PACL acl, DWORD i, BYTE type, DWORD rights, PSID sid) {
  ACCESS_ALLOWED_ACE *ace;

  CHECK(GetAce(acl, i, (void **)&ace));
  CHECK_EQ(ace->Header.AceType, type);
  CHECK_EQ(ace->Mask, rights);
  CHECK(EqualSid((PSID)&ace->SidStart, sid));
}

/* The label of a descriptor read back: its level, after checking that it
 * is the only ACE of the SACL and refuses everything to lower levels. */
static DWORD sec_label(const sec_read *r) {
  SYSTEM_MANDATORY_LABEL_ACE *ace;
  PSID sid;

  CHECK(r->sacl != NULL);
  CHECK_EQ(r->sacl->AceCount, 1);
  CHECK(GetAce(r->sacl, 0, (void **)&ace));
  CHECK_EQ(ace->Header.AceType, SYSTEM_MANDATORY_LABEL_ACE_TYPE);
  CHECK_EQ(ace->Mask, SYSTEM_MANDATORY_LABEL_NO_WRITE_UP | SYSTEM_MANDATORY_LABEL_NO_READ_UP |
                          SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP);
  sid = (PSID)&ace->SidStart;
  CHECK_EQ(GetSidIdentifierAuthority(sid)->Value[5], 16);
  CHECK_EQ(*GetSidSubAuthorityCount(sid), 1);
  return *GetSidSubAuthority(sid, 0);
}

/* S-1-16-level, to fake a token's integrity level. */
static PSID sec_level_sid(DWORD level) {
  SID_IDENTIFIER_AUTHORITY ml = {SECURITY_MANDATORY_LABEL_AUTHORITY};
  PSID sid;
  CHECK(AllocateAndInitializeSid(&ml, 1, level, 0, 0, 0, 0, 0, 0, 0, &sid));
  return sid;
}

/* This process's own integrity level. */
static DWORD sec_own_level(void) {
  void *buf[64];
  DWORD needed;
  HANDLE token;
  PSID sid;

  CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
  CHECK(GetTokenInformation(token, TokenIntegrityLevel, buf, sizeof buf, &needed));
  CloseHandle(token);
  sid = ((TOKEN_MANDATORY_LABEL *)buf)->Label.Sid;
  return *GetSidSubAuthority(sid, *GetSidSubAuthorityCount(sid) - 1u);
}

#define SEC_R (SECTION_QUERY | SECTION_MAP_READ | READ_CONTROL)
#define SEC_W SECTION_MAP_WRITE
#define SEC_X SECTION_MAP_EXECUTE

/* The section rights of three rwx bits, as the test expects them. */
static DWORD sec_rights(unsigned bits) {
  return ((bits & 4) ? SEC_R : 0) | ((bits & 2) ? SEC_W : 0) | ((bits & 1) ? SEC_X : 0);
}

TEST(descriptor_for_each_mode) {
  /* What a program ported from Unix passes, and the corner cases. */
  static const PRIntn modes[] = {0600, 0640, 0660, 0666, 0644, 0604, 0606,
                                 0066, 0000, 0777, 0400, 0704, 0060};
  PSID user = sec_token_sid(TokenUser), group = sec_token_sid(TokenPrimaryGroup);
  SID_IDENTIFIER_AUTHORITY world = {SECURITY_WORLD_SID_AUTHORITY},
                           rm = {SECURITY_RESOURCE_MANAGER_AUTHORITY};
  DWORD own = sec_own_level();
  PSID everyone, marker;
  size_t i;

  CHECK(AllocateAndInitializeSid(&world, 1, SECURITY_WORLD_RID, 0, 0, 0, 0, 0, 0, 0, &everyone));
  CHECK(AllocateAndInitializeSid(&rm, 4, PRSHM__WIN_MARK_MAGIC, PRSHM__WIN_MARK_LIVE, 0, 100, 0, 0,
                                 0, 0, &marker));
  for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    const DWORD o = sec_rights((unsigned)modes[i] >> 6 & 7), e = sec_rights((unsigned)modes[i] & 7);
    char name[96];
    PRSharedMemory *shm;
    sec_read r;
    DWORD n = 0;
    snprintf(name, sizeof name, "/prshm-test-%ld-sd-%o", t_pid(), (unsigned)modes[i]);
    shm = PR_OpenSharedMemory(name, 100, PR_SHM_CREATE | PR_SHM_EXCL, modes[i]);
    CHECK_NOT_NULL(shm);
    sec_read_back(name, 0, &r);
    CHECK(EqualSid(r.owner, user));
    /* Windows gives the object the token's primary group, which no ACE
     * names: it grants nothing. */
    CHECK(r.group == NULL || EqualSid(r.group, group));
    /* Allow the owner its bits, deny it what Everyone would add, allow
     * Everyone the other bits, then the marker: nothing of the group. */
    if (o != 0) sec_check_ace(r.dacl, n++, ACCESS_ALLOWED_ACE_TYPE, o, user);
    if ((e & ~o) != 0) sec_check_ace(r.dacl, n++, ACCESS_DENIED_ACE_TYPE, e & ~o, user);
    if (e != 0) sec_check_ace(r.dacl, n++, ACCESS_ALLOWED_ACE_TYPE, e, everyone);
    sec_check_ace(r.dacl, n++, ACCESS_ALLOWED_ACE_TYPE, 0, marker);
    if (r.dacl->AceCount != n)
      t_fail(__FILE__, __LINE__, "mode %03o: %u ACEs, expected %lu", (unsigned)modes[i],
             (unsigned)r.dacl->AceCount, (unsigned long)n);
    /* The creator's level, at most Medium when others get something. */
    CHECK_EQ(sec_label(&r), (modes[i] & 07) != 0 && own > SECURITY_MANDATORY_MEDIUM_RID
                                ? SECURITY_MANDATORY_MEDIUM_RID
                                : own);
    LocalFree(r.sd);
    /* The event a delete sets carries the same label. */
    sec_read_back(name, PRSHM__WIN_NOTIFY, &r);
    CHECK_EQ(sec_label(&r), prshm__win_sd_level_for(own, modes[i]));
    LocalFree(r.sd);
    CHECK_OK(PR_CloseSharedMemory(shm));
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
  FreeSid(everyone);
  FreeSid(marker);
  free(user);
  free(group);
}

TEST(label_level_for_each_creator_and_mode) {
  static const struct {
    DWORD creator; /* the token's level */
    PRIntn mode;   /* the segment's mode */
    DWORD label;   /* the segment's label */
  } cases[] = {
      {SECURITY_MANDATORY_UNTRUSTED_RID, 0600, SECURITY_MANDATORY_UNTRUSTED_RID},
      {SECURITY_MANDATORY_UNTRUSTED_RID, 0666, SECURITY_MANDATORY_UNTRUSTED_RID},
      {SECURITY_MANDATORY_LOW_RID, 0600, SECURITY_MANDATORY_LOW_RID},
      {SECURITY_MANDATORY_LOW_RID, 0666, SECURITY_MANDATORY_LOW_RID},
      {SECURITY_MANDATORY_MEDIUM_RID, 0600, SECURITY_MANDATORY_MEDIUM_RID},
      {SECURITY_MANDATORY_MEDIUM_RID, 0604, SECURITY_MANDATORY_MEDIUM_RID},
      {SECURITY_MANDATORY_HIGH_RID, 0600, SECURITY_MANDATORY_HIGH_RID},
      {SECURITY_MANDATORY_HIGH_RID, 0640, SECURITY_MANDATORY_HIGH_RID},
      {SECURITY_MANDATORY_HIGH_RID, 0660, SECURITY_MANDATORY_HIGH_RID},
      {SECURITY_MANDATORY_HIGH_RID, 0604, SECURITY_MANDATORY_MEDIUM_RID},
      {SECURITY_MANDATORY_HIGH_RID, 0601, SECURITY_MANDATORY_MEDIUM_RID},
      {SECURITY_MANDATORY_HIGH_RID, 0666, SECURITY_MANDATORY_MEDIUM_RID},
      {SECURITY_MANDATORY_SYSTEM_RID, 0600, SECURITY_MANDATORY_SYSTEM_RID},
      {SECURITY_MANDATORY_SYSTEM_RID, 0666, SECURITY_MANDATORY_MEDIUM_RID},
  };
  DWORD own = sec_own_level();
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char name[96];
    PRSharedMemory *shm;
    sec_read r;
    CHECK_EQ(prshm__win_sd_level_for(cases[i].creator, cases[i].mode), cases[i].label);
    /* As written by a token at that level. Windows lets no process label
     * an object above its own level: those cases stop at the logic. */
    if (cases[i].creator > own) continue;
    snprintf(name, sizeof name, "/prshm-test-%ld-il-%u", t_pid(), (unsigned)i);
    sec_real = prshm__sys;
    sec_fake_owner = sec_fake_group = NULL;
    sec_fake_level = sec_level_sid(cases[i].creator);
    prshm__sys.get_token_information = sec_fake_token;
    shm = PR_OpenSharedMemory(name, 100, PR_SHM_CREATE | PR_SHM_EXCL, cases[i].mode);
    prshm__sys_reset();
    FreeSid(sec_fake_level);
    sec_fake_level = NULL;
    CHECK_NOT_NULL(shm);
    sec_read_back(name, 0, &r);
    if (sec_label(&r) != cases[i].label)
      t_fail(__FILE__, __LINE__, "creator %#lx, mode %03o: label %#lx, expected %#lx",
             (unsigned long)cases[i].creator, (unsigned)cases[i].mode, (unsigned long)sec_label(&r),
             (unsigned long)cases[i].label);
    LocalFree(r.sd);
    sec_read_back(name, PRSHM__WIN_NOTIFY, &r);
    CHECK_EQ(sec_label(&r), cases[i].label);
    LocalFree(r.sd);
    CHECK_OK(PR_CloseSharedMemory(shm));
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
}

TEST(descriptor_reads_back_as_written) {
  const char *name = t_name("sd");
  PSID user = sec_token_sid(TokenUser);
  SID_IDENTIFIER_AUTHORITY world = {SECURITY_WORLD_SID_AUTHORITY};
  PSID everyone, marker;
  PRSharedMemory *shm;
  sec_read r;

  CHECK(AllocateAndInitializeSid(&world, 1, SECURITY_WORLD_RID, 0, 0, 0, 0, 0, 0, 0, &everyone));
  shm = PR_OpenSharedMemory(name, 12345, PR_SHM_CREATE | PR_SHM_EXCL, 0704);
  CHECK_NOT_NULL(shm);
  sec_read_back(name, 0, &r);
  CHECK(EqualSid(r.owner, user));
  /* 0704: owner rwx; everyone reads; then the marker with the exact size. */
  {
    SID_IDENTIFIER_AUTHORITY rm = {SECURITY_RESOURCE_MANAGER_AUTHORITY};
    CHECK(AllocateAndInitializeSid(&rm, 4, PRSHM__WIN_MARK_MAGIC, PRSHM__WIN_MARK_LIVE, 0, 12345, 0,
                                   0, 0, 0, &marker));
  }
  CHECK_EQ(r.dacl->AceCount, 3);
  sec_check_ace(r.dacl, 0, ACCESS_ALLOWED_ACE_TYPE, SEC_R | SEC_W | SEC_X, user);
  sec_check_ace(r.dacl, 1, ACCESS_ALLOWED_ACE_TYPE, SEC_R, everyone);
  sec_check_ace(r.dacl, 2, ACCESS_ALLOWED_ACE_TYPE, 0, marker);
  LocalFree(r.sd);
  FreeSid(marker);

  /* Deleted: everyone may read the DACL, nobody may map; the marker says
   * so; the label stays. */
  CHECK_OK(PR_DeleteSharedMemory(name));
  sec_read_back(name, 0, &r);
  {
    SID_IDENTIFIER_AUTHORITY rm = {SECURITY_RESOURCE_MANAGER_AUTHORITY};
    CHECK(AllocateAndInitializeSid(&rm, 4, PRSHM__WIN_MARK_MAGIC, PRSHM__WIN_MARK_DELETED, 0, 12345,
                                   0, 0, 0, 0, &marker));
  }
  CHECK_EQ(r.dacl->AceCount, 2);
  sec_check_ace(r.dacl, 0, ACCESS_ALLOWED_ACE_TYPE, READ_CONTROL, everyone);
  sec_check_ace(r.dacl, 1, ACCESS_ALLOWED_ACE_TYPE, 0, marker);
  CHECK_EQ(sec_label(&r), prshm__win_sd_level_for(sec_own_level(), 0704));
  LocalFree(r.sd);
  FreeSid(marker);
  CHECK_OK(PR_CloseSharedMemory(shm));
  FreeSid(everyone);
  free(user);
}

TEST(marker_carries_sizes_beyond_4_gib) {
  static const PRUint64 sizes[] = {
      1, 4095, 4096, 0xFFFFFFFFull, 0x100000000ull, 0x123456789Aull, 0xFFFFFFFFFFFFFFFFull};
  prshm__win_sd sd;
  size_t i;

  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    SECURITY_ATTRIBUTES sa = {sizeof sa, &sd.sd, FALSE};
    prshm__win_state state;
    PRUint64 got = 0;
    HANDLE h;
    CHECK_OK(prshm__win_sd_for_mode(&sd, 0600, sizes[i]));
    /* An unnamed section of one page carries the descriptor. */
    h = CreateFileMappingW(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096, NULL);
    CHECK(h != NULL);
    CHECK_OK(prshm__win_sd_read(h, &state, &got));
    CHECK_EQ(state, PRSHM__WIN_LIVE);
    CHECK(got == sizes[i]);
    CHECK_OK(prshm__win_sd_deleted(&sd, sizes[i]));
    CHECK(SetKernelObjectSecurity(h, DACL_SECURITY_INFORMATION, &sd.sd));
    got = 0;
    CHECK_OK(prshm__win_sd_read(h, &state, &got));
    CHECK_EQ(state, PRSHM__WIN_DELETED);
    CHECK(got == sizes[i]);
    CloseHandle(h);
  }
}

TEST(foreign_section_has_no_marker) {
  HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 100, NULL);
  prshm__win_state state = PRSHM__WIN_LIVE;
  PRUint64 size = 7;

  CHECK(h != NULL);
  CHECK_OK(prshm__win_sd_read(h, &state, &size));
  CHECK_EQ(state, PRSHM__WIN_FOREIGN);
  CHECK_EQ(size, 7);
  CloseHandle(h);
}

TEST(squatted_name_is_refused_by_excl) {
  const char *name = t_name("squat");
  char native[PRSHM_NATIVE_NAME_MAX];
  WCHAR wide[PRSHM__KEY_SIZE];
  PRSharedMemory *shm;
  HANDLE squatter;
  char *p;

  /* Another program (another user, or a lower level of this one) makes a
   * section under the native name first, with a DACL of its choosing. */
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  CHECK(MultiByteToWideChar(CP_UTF8, 0, native, -1, wide, PRSHM__KEY_SIZE) != 0);
  squatter = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, wide);
  CHECK(squatter != NULL);
  p = MapViewOfFile(squatter, FILE_MAP_WRITE, 0, 0, 0);
  CHECK(p != NULL);
  strcpy(p, "planted");
  /* An exclusive create refuses it... */
  CHECK(PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_ALREADY_EXISTS);
  /* ...where a create alone opens the squatter's section. */
  shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_EQ(prshm__win_keep_count(), 0);
  {
    char *q = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
    CHECK_NOT_NULL(q);
    CHECK_STR(q, "planted");
    CHECK_OK(PR_DetachSharedMemory(shm, q));
  }
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK(UnmapViewOfFile(p));
  CloseHandle(squatter);
}
