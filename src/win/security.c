/*
 * security.c (Windows) - the security descriptor of a section: from a Unix
 * mode and the creator's integrity level when prshm creates it, to a
 * tombstone when prshm deletes it, and back to what its marker says; and
 * the descriptor of the events and the lock that go with a segment.
 *
 * Who. A mode names three classes: the owner, the group, everyone else.
 * Windows has no group that means "the owner's group": the token's primary
 * group is "None" (every local user) on a standalone machine and "Domain
 * Users" (every user of the domain) in a domain, so granting it would grant
 * nearly everyone. prshm's group class therefore has no members on Windows:
 * the group bits grant nothing, and a process that is not the owner gets
 * exactly the "other" bits. The DACL acts like the Unix check, which looks
 * only at the first class a process belongs to; Windows adds up every ACE
 * that matches, so the owner's allow ACE is followed by a deny ACE for what
 * the owner would otherwise get from Everyone:
 *   allow owner O      deny owner E & ~O      allow Everyone E
 *   marker (grants nothing)
 * Windows evaluates ACEs in order and the first that names a right decides
 * it, so the owner gets exactly O and anyone else exactly E; 0600, 0640 and
 * 0660 let only the creating user open the section, 0666 everyone. (The
 * owner can always read and change the DACL itself: Windows grants that to
 * owners whatever the DACL says.) Semaphores and mutexes get the same
 * DACLs with their own rights: waiting and posting (or releasing) need
 * read and write together, as on Unix, where a wait writes the count.
 *
 * Integrity. A mandatory label gives the section the integrity level of the
 * creating thread's token with no-read-up, no-write-up and no-execute-up,
 * so a process of the same user at a lower level (a sandboxed one, or a
 * non-elevated one beside an elevated creator) can neither map it nor
 * change its DACL, which deleting needs. Without a label Windows would let
 * a lower level read it. A segment whose mode grants the "other" class
 * something is meant for other users, whose processes run at Medium: its
 * label is then at most Medium. A creator that wants processes of a lower
 * level to use a segment creates it while impersonating a token of that
 * level.
 *
 * Sections: SIDs and ACEs, tokens, the section's descriptor, the tombstone
 * and the companions' descriptor, reading the marker.
 */
#include <stdlib.h>

#include "win.h"

/* The policy of every label prshm writes: lower levels get nothing. */
#define SECURITY_LABEL_POLICY                                               \
  (SYSTEM_MANDATORY_LABEL_NO_WRITE_UP | SYSTEM_MANDATORY_LABEL_NO_READ_UP | \
   SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP)

/* ---- SIDs and ACEs ---- */

/* A SID with up to four sub-authorities, in storage of its own. */
typedef struct security_sid {
  SID sid;       /* the header and the first sub-authority */
  DWORD more[3]; /* room for three more sub-authorities */
} security_sid;

/* Everyone: S-1-1-0. */
static void security_everyone(security_sid *s) {
  SID_IDENTIFIER_AUTHORITY world = {SECURITY_WORLD_SID_AUTHORITY};
  (void)InitializeSid(&s->sid, &world, 1);
  *GetSidSubAuthority(&s->sid, 0) = SECURITY_WORLD_RID;
}

/* The marker: S-1-9-magic-state-high-low (a resource manager's SID). */
static void security_marker(security_sid *s, DWORD state, PRUint64 size) {
  SID_IDENTIFIER_AUTHORITY rm = {SECURITY_RESOURCE_MANAGER_AUTHORITY};
  (void)InitializeSid(&s->sid, &rm, 4);
  *GetSidSubAuthority(&s->sid, 0) = PRSHM__WIN_MARK_MAGIC;
  *GetSidSubAuthority(&s->sid, 1) = state;
  *GetSidSubAuthority(&s->sid, 2) = (DWORD)(size >> 32);
  *GetSidSubAuthority(&s->sid, 3) = (DWORD)size;
}

/* The rights of three rwx bits for an object of `kind`. Read includes
 * reading the DACL, which holds a segment's exact size and tells whether an
 * object was deleted; a semaphore or mutex is used (waited on, posted,
 * released) only with read and write both. */
static DWORD security_rights(prshm__kind kind, unsigned bits) {
  DWORD rights = 0;

  if (kind != PRSHM__KIND_SEG) {
    /* Read alone is the DACL; read and write, every right an opener asks
     * for: waiting (SYNCHRONIZE), posting (SEMAPHORE_MODIFY_STATE) and the
     * state (SEMAPHORE_QUERY_STATE and MUTANT_QUERY_STATE, both 0x0001, the
     * one specific right a mutex has: wine enforces it where it may not
     * enforce SYNCHRONIZE). */
    if ((bits & 4) != 0) rights |= READ_CONTROL;
    if ((bits & 6) == 6)
      rights |= SYNCHRONIZE | 0x0001 | (kind == PRSHM__KIND_SEM ? SEMAPHORE_MODIFY_STATE : 0);
    return rights;
  }
  if ((bits & 4) != 0) rights |= SECTION_QUERY | SECTION_MAP_READ | READ_CONTROL;
  if ((bits & 2) != 0) rights |= SECTION_MAP_WRITE;
  if ((bits & 1) != 0) rights |= SECTION_MAP_EXECUTE;
  return rights;
}

/* Adds an allow or deny ACE unless it has no rights in it. */
static void security_ace(PACL acl, BOOL allow, DWORD rights, PSID sid) {
  if (rights == 0) return;
  if (allow)
    (void)AddAccessAllowedAce(acl, ACL_REVISION, rights, sid);
  else
    (void)AddAccessDeniedAce(acl, ACL_REVISION, rights, sid);
}

/* Starts a descriptor with nothing in it: no owner, no DACL, no label. */
static void security_begin(prshm__win_sd *sd) {
  (void)InitializeSecurityDescriptor(&sd->sd, SECURITY_DESCRIPTOR_REVISION);
  sd->level = 0;
}

/* Gives the descriptor an empty DACL, to be filled. */
static PACL security_dacl(prshm__win_sd *sd) {
  PACL acl = (PACL)sd->acl;

  (void)InitializeAcl(acl, (DWORD)sizeof sd->acl, ACL_REVISION);
  (void)SetSecurityDescriptorDacl(&sd->sd, TRUE, acl, FALSE);
  return acl;
}

/* Labels the descriptor with integrity level `level` (an RID of S-1-16). */
static void security_label(prshm__win_sd *sd, DWORD level) {
  SID_IDENTIFIER_AUTHORITY ml = {SECURITY_MANDATORY_LABEL_AUTHORITY};
  PACL sacl = (PACL)sd->sacl;
  security_sid label;

  (void)InitializeSid(&label.sid, &ml, 1);
  *GetSidSubAuthority(&label.sid, 0) = level;
  (void)InitializeAcl(sacl, (DWORD)sizeof sd->sacl, ACL_REVISION);
  (void)AddMandatoryAce(sacl, ACL_REVISION, 0, SECURITY_LABEL_POLICY, &label.sid);
  (void)SetSecurityDescriptorSacl(&sd->sd, TRUE, sacl, FALSE);
  sd->level = level;
}

/* ---- Tokens ---- */

/* One SID field of the calling thread's effective token (its impersonation
 * token, else the process's): TokenUser or TokenIntegrityLevel, whose
 * structures both start with a SID_AND_ATTRIBUTES. `buf` has `size` bytes,
 * pointer-aligned; the SID lives in it. NULL, with the error set, if the
 * token cannot be read. */
static PSID security_token_sid(TOKEN_INFORMATION_CLASS what, void *buf, DWORD size) {
  /* GetCurrentThreadEffectiveToken() of Windows 8 and later. */
  HANDLE token = (HANDLE)(LONG_PTR)-6;
  DWORD needed;

  if (!prshm__sys.get_token_information(token, what, buf, size, &needed)) {
    prshm__fail_os((PRInt32)GetLastError());
    return NULL;
  }
  return ((SID_AND_ATTRIBUTES *)buf)->Sid;
}

/* The owner: the token's user, copied into sd->user. */
static PRStatus security_owner(prshm__win_sd *sd) {
  void *buf[(sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE) / sizeof(void *) + 1];
  PSID sid = security_token_sid(TokenUser, buf, (DWORD)sizeof buf);

  if (sid == NULL) return PR_FAILURE;
  if (!CopySid((DWORD)sizeof sd->user, sd->user, sid))
    return prshm__fail_os((PRInt32)GetLastError());
  (void)SetSecurityDescriptorOwner(&sd->sd, (PSID)sd->user, FALSE);
  return PR_SUCCESS;
}

/* The token's integrity level: the last sub-authority of its label SID. */
static PRStatus security_level(DWORD *level) {
  void *buf[(sizeof(TOKEN_MANDATORY_LABEL) + SECURITY_MAX_SID_SIZE) / sizeof(void *) + 1];
  PSID sid = security_token_sid(TokenIntegrityLevel, buf, (DWORD)sizeof buf);
  UCHAR n;

  if (sid == NULL) return PR_FAILURE;
  n = *GetSidSubAuthorityCount(sid);
  *level = n != 0 ? *GetSidSubAuthority(sid, (DWORD)n - 1) : SECURITY_MANDATORY_UNTRUSTED_RID;
  return PR_SUCCESS;
}

/* ---- The section's descriptor ---- */

DWORD prshm__win_sd_level_for(DWORD creator, PRIntn mode) {
  /* Shared with other users, whose processes run at Medium. */
  if ((mode & 07) != 0 && creator > SECURITY_MANDATORY_MEDIUM_RID)
    return SECURITY_MANDATORY_MEDIUM_RID;
  return creator;
}

PRStatus prshm__win_sd_for_mode(prshm__win_sd *sd, PRIntn mode, PRUint64 size) {
  return prshm__win_sd_for_kind(sd, PRSHM__KIND_SEG, mode, size);
}

PRStatus prshm__win_sd_for_kind(prshm__win_sd *sd, prshm__kind kind, PRIntn mode, PRUint64 size) {
  const DWORD o = security_rights(kind, (unsigned)mode >> 6 & 7);
  const DWORD e = security_rights(kind, (unsigned)mode & 7);
  security_sid everyone, marker;
  DWORD level;
  PACL acl;

  security_begin(sd);
  if (security_owner(sd) != PR_SUCCESS || security_level(&level) != PR_SUCCESS) return PR_FAILURE;
  security_everyone(&everyone);
  security_marker(&marker, PRSHM__WIN_MARK_LIVE, size);
  acl = security_dacl(sd);
  security_ace(acl, TRUE, o, (PSID)sd->user);
  security_ace(acl, FALSE, e & ~o, (PSID)sd->user);
  security_ace(acl, TRUE, e, &everyone.sid);
  /* Granting nothing, it is added whatever its mask: AddAccessAllowedAce
   * accepts an empty one. */
  (void)AddAccessAllowedAce(acl, ACL_REVISION, 0, &marker.sid);
  security_label(sd, prshm__win_sd_level_for(level, mode));
  return PR_SUCCESS;
}

/* ---- The tombstone and the companions' descriptor ---- */

PRStatus prshm__win_sd_deleted(prshm__win_sd *sd, PRUint64 size) {
  security_sid everyone, marker;
  PACL acl;

  security_begin(sd);
  acl = security_dacl(sd);
  security_everyone(&everyone);
  security_marker(&marker, PRSHM__WIN_MARK_DELETED, size);
  (void)AddAccessAllowedAce(acl, ACL_REVISION, READ_CONTROL, &everyone.sid);
  (void)AddAccessAllowedAce(acl, ACL_REVISION, 0, &marker.sid);
  return PR_SUCCESS;
}

void prshm__win_sd_event(prshm__win_sd *sd, DWORD level, DWORD rights) {
  security_sid everyone;

  /* Not the token's default DACL: an elevated token's admits only the
   * Administrators and SYSTEM, and a process impersonating a client would
   * give the client's; then the creator, the deleter or another deleter of
   * the same user at another level, or the creator's pool thread (which
   * runs as the process), could not open the object. Opening it allows
   * nothing that matters: setting an event only makes the creator look at
   * the DACL of its own section, and the lock can be made first by anyone
   * who may create objects in the namespace anyway. */
  security_begin(sd);
  security_everyone(&everyone);
  (void)AddAccessAllowedAce(security_dacl(sd), ACL_REVISION, rights, &everyone.sid);
  if (level != PRSHM__WIN_NO_LABEL) security_label(sd, level);
}

/* ---- Reading the marker ---- */

/* Looks for the marker in a DACL. */
static void security_find_marker(PACL acl, prshm__win_state *state, PRUint64 *size) {
  ACL_SIZE_INFORMATION info;
  DWORD i;

  *state = PRSHM__WIN_FOREIGN;
  if (acl == NULL || !GetAclInformation(acl, &info, (DWORD)sizeof info, AclSizeInformation)) return;
  for (i = 0; i < info.AceCount; i++) {
    ACCESS_ALLOWED_ACE *ace;
    PSID sid;
    if (!GetAce(acl, i, (void **)&ace) || ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE) continue;
    sid = (PSID)&ace->SidStart;
    if (GetSidIdentifierAuthority(sid)->Value[5] != 9 || *GetSidSubAuthorityCount(sid) != 4 ||
        *GetSidSubAuthority(sid, 0) != PRSHM__WIN_MARK_MAGIC)
      continue;
    *state = *GetSidSubAuthority(sid, 1) == PRSHM__WIN_MARK_DELETED ? PRSHM__WIN_DELETED
                                                                    : PRSHM__WIN_LIVE;
    *size = (PRUint64)*GetSidSubAuthority(sid, 2) << 32 | *GetSidSubAuthority(sid, 3);
    return;
  }
}

PRStatus prshm__win_sd_read(HANDLE section, prshm__win_state *state, PRUint64 *size) {
  /* prshm's own DACLs fit here; a foreign one may need the heap. */
  DWORD local[512];
  void *buf = local;
  DWORD needed = 0, err = 0;
  PACL acl = NULL;
  BOOL present = FALSE, defaulted;

  if (!prshm__sys.get_object_security(section, DACL_SECURITY_INFORMATION, buf, (DWORD)sizeof local,
                                      &needed)) {
    err = GetLastError();
    if (err != ERROR_INSUFFICIENT_BUFFER || (buf = malloc(needed)) == NULL) goto fail;
    if (!prshm__sys.get_object_security(section, DACL_SECURITY_INFORMATION, buf, needed, &needed)) {
      err = GetLastError();
      goto fail;
    }
  }
  if (GetSecurityDescriptorDacl(buf, &present, &acl, &defaulted) && present)
    security_find_marker(acl, state, size);
  else
    *state = PRSHM__WIN_FOREIGN;
  if (buf != local) free(buf);
  return PR_SUCCESS;

fail:
  if (buf != local) free(buf);
  if (err == ERROR_INSUFFICIENT_BUFFER) return prshm__fail(PR_OUT_OF_MEMORY_ERROR, (PRInt32)err);
  return prshm__fail_os((PRInt32)err);
}
