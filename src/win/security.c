/*
 * security.c (Windows) - the security descriptor of a section: from a Unix
 * mode when prshm creates it, to a tombstone when prshm deletes it, and back
 * to what its marker says.
 *
 * A mode becomes a DACL that acts like the Unix permission check, which
 * looks only at the first class a process belongs to (owner, else group,
 * else everyone). Windows instead adds up every ACE that matches, so each
 * class is followed by a deny ACE for the rights the later classes would
 * add to it:
 *   allow owner  O          deny owner  (G | E) & ~O
 *   allow group  G          deny group  E & ~G
 *   allow everyone E        marker (grants nothing)
 * Windows evaluates ACEs in order and the first ACE that names a right
 * decides it, so the owner gets exactly O, a group member exactly G, anyone
 * else exactly E; 0600 lets only the creating user open the section. (The
 * owner can always read and change the DACL itself: Windows grants that to
 * owners whatever the DACL says.) Semaphores and mutexes get the same
 * DACLs with their own rights: waiting and posting (or releasing) need
 * read and write together, as on Unix, where a wait writes the count.
 */
#include <stdlib.h>

#include "win.h"

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

/* Copies the SID of one token field (TokenUser or TokenPrimaryGroup). */
static PRStatus security_token_sid(TOKEN_INFORMATION_CLASS what, DWORD *out, DWORD outsize) {
  /* TOKEN_USER and TOKEN_PRIMARY_GROUP are a pointer to a SID stored after
   * them; the buffer is pointer-aligned. */
  void *buf[(sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE) / sizeof(void *) + 1];
  /* The calling thread's effective token (its impersonation token, else the
   * process's): GetCurrentThreadEffectiveToken() of Windows 8 and later. */
  HANDLE token = (HANDLE)(LONG_PTR)-6;
  DWORD needed;
  PSID sid;

  if (!prshm__sys.get_token_information(token, what, buf, (DWORD)sizeof buf, &needed))
    return prshm__fail_os((PRInt32)GetLastError());
  sid = what == TokenUser ? ((TOKEN_USER *)buf)->User.Sid
                          : ((TOKEN_PRIMARY_GROUP *)buf)->PrimaryGroup;
  if (!CopySid(outsize, out, sid)) return prshm__fail_os((PRInt32)GetLastError());
  return PR_SUCCESS;
}

/* Starts a descriptor with an empty DACL. */
static PACL security_begin(prshm__win_sd *sd) {
  PACL acl = (PACL)sd->acl;

  (void)InitializeSecurityDescriptor(&sd->sd, SECURITY_DESCRIPTOR_REVISION);
  (void)InitializeAcl(acl, (DWORD)sizeof sd->acl, ACL_REVISION);
  (void)SetSecurityDescriptorDacl(&sd->sd, TRUE, acl, FALSE);
  return acl;
}

PRStatus prshm__win_sd_for_mode(prshm__win_sd *sd, PRIntn mode, PRUint64 size) {
  return prshm__win_sd_for_kind(sd, PRSHM__KIND_SEG, mode, size);
}

PRStatus prshm__win_sd_for_kind(prshm__win_sd *sd, prshm__kind kind, PRIntn mode, PRUint64 size) {
  const DWORD o = security_rights(kind, (unsigned)mode >> 6 & 7);
  const DWORD g = security_rights(kind, (unsigned)mode >> 3 & 7);
  const DWORD e = security_rights(kind, (unsigned)mode & 7);
  security_sid everyone, marker;
  PACL acl = security_begin(sd);

  if (security_token_sid(TokenUser, sd->user, (DWORD)sizeof sd->user) != PR_SUCCESS ||
      security_token_sid(TokenPrimaryGroup, sd->group, (DWORD)sizeof sd->group) != PR_SUCCESS)
    return PR_FAILURE;
  (void)SetSecurityDescriptorOwner(&sd->sd, (PSID)sd->user, FALSE);
  (void)SetSecurityDescriptorGroup(&sd->sd, (PSID)sd->group, FALSE);
  security_everyone(&everyone);
  security_marker(&marker, PRSHM__WIN_MARK_LIVE, size);
  security_ace(acl, TRUE, o, (PSID)sd->user);
  security_ace(acl, FALSE, (g | e) & ~o, (PSID)sd->user);
  security_ace(acl, TRUE, g, (PSID)sd->group);
  security_ace(acl, FALSE, e & ~g, (PSID)sd->group);
  security_ace(acl, TRUE, e, &everyone.sid);
  /* Granting nothing, it is added whatever its mask: AddAccessAllowedAce
   * accepts an empty one. */
  (void)AddAccessAllowedAce(acl, ACL_REVISION, 0, &marker.sid);
  return PR_SUCCESS;
}

PRStatus prshm__win_sd_deleted(prshm__win_sd *sd, PRUint64 size) {
  security_sid everyone, marker;
  PACL acl = security_begin(sd);

  security_everyone(&everyone);
  security_marker(&marker, PRSHM__WIN_MARK_DELETED, size);
  (void)AddAccessAllowedAce(acl, ACL_REVISION, READ_CONTROL, &everyone.sid);
  (void)AddAccessAllowedAce(acl, ACL_REVISION, 0, &marker.sid);
  return PR_SUCCESS;
}

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
