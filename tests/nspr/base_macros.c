/*
 * base_macros.c - uses the NSPR base types and macros that NSPR programs
 * commonly use, and prints the exact type and value of each. The test
 * builds it twice, against the standalone prshm's headers and against
 * NSPR's own, and the two outputs must be the same line for line: same
 * types (not merely the same sizes, so that format strings and overloads
 * agree), same values, same behaviour. C11, for _Generic.
 */
#include <prerror.h>
#include <prtypes.h>
#include <stdio.h>

/* The exact type of an expression, by name. */
/* clang-format off */
#define TYPE_NAME(x)                                                                         \
  _Generic((x), char: "char", signed char: "signed char", unsigned char: "unsigned char",    \
           short: "short", unsigned short: "unsigned short", int: "int",                     \
           unsigned int: "unsigned int", long: "long", unsigned long: "unsigned long",       \
           long long: "long long", unsigned long long: "unsigned long long",                  \
           double: "double", default: "another type")
/* clang-format on */

#define SHOW_TYPE(T) printf("type %s: %s, %u bytes\n", #T, TYPE_NAME((T)0), (unsigned)sizeof(T))

/* A constant: its type, and its value read as signed and as unsigned. */
#define SHOW(M) \
  printf("%s: %s %lld %llu\n", #M, TYPE_NAME(M), (long long)(M), (unsigned long long)(M))

/* The linkage and export macros, used the way programs use them. */
PR_BEGIN_EXTERN_C
PR_EXTERN(int) base_exported(int x);
PR_EXTERN_DATA(int) base_counter;
PR_END_EXTERN_C

PR_IMPLEMENT_DATA(int) base_counter = 3;
PR_IMPLEMENT(int) base_exported(int x) { return x + base_counter; }
PR_STATIC_CALLBACK(int) base_callback(int x) { return 2 * x; }
typedef int(PR_CALLBACK *base_fn)(int);

PR_STATIC_ASSERT(sizeof(PRInt32) == 4);
PR_STATIC_ASSERT(sizeof(PRUint64) == 8);

int main(void) {
  static const int five[5] = {1, 2, 3, 4, 5};
  base_fn fn = base_callback;
  PRBool flag = PR_FALSE;
  PRPackedBool packed = PR_TRUE;
  PRStatus status = PR_SUCCESS;
  int counted = 0;

  SHOW_TYPE(PRInt8);
  SHOW_TYPE(PRUint8);
  SHOW_TYPE(PRInt16);
  SHOW_TYPE(PRUint16);
  SHOW_TYPE(PRInt32);
  SHOW_TYPE(PRUint32);
  SHOW_TYPE(PRInt64);
  SHOW_TYPE(PRUint64);
  SHOW_TYPE(PRIntn);
  SHOW_TYPE(PRUintn);
  SHOW_TYPE(PRFloat64);
  SHOW_TYPE(PRSize);
  SHOW_TYPE(PROffset32);
  SHOW_TYPE(PROffset64);
  SHOW_TYPE(PRPtrdiff);
  SHOW_TYPE(PRUptrdiff);
  SHOW_TYPE(PRWord);
  SHOW_TYPE(PRUword);
  SHOW_TYPE(PRBool);
  SHOW_TYPE(PRPackedBool);
  SHOW_TYPE(PRUnichar);
  SHOW_TYPE(PRStatus);
  SHOW_TYPE(PRErrorCode);
  SHOW_TYPE(PRLanguageCode);

  SHOW(PR_INT8_MAX);
  SHOW(PR_INT8_MIN);
  SHOW(PR_UINT8_MAX);
  SHOW(PR_INT16_MAX);
  SHOW(PR_INT16_MIN);
  SHOW(PR_UINT16_MAX);
  SHOW(PR_INT32_MAX);
  SHOW(PR_INT32_MIN);
  SHOW(PR_UINT32_MAX);
  SHOW(PR_INT64_MAX);
  SHOW(PR_INT64_MIN);
  SHOW(PR_UINT64_MAX);
  SHOW(PR_INT32(7));
  SHOW(PR_UINT32(7));
  SHOW(PR_INT64(7));
  SHOW(PR_UINT64(7));
  SHOW(PR_TRUE);
  SHOW(PR_FALSE);
  SHOW(PR_SUCCESS);
  SHOW(PR_FAILURE);
  SHOW(PR_BIT(0));
  SHOW(PR_BIT(31));
  SHOW(PR_BITMASK(12));
  SHOW(PR_ROUNDUP(10, 4));
  SHOW(PR_ROUNDUP(12, 4));
  SHOW(PR_MIN(3, -2));
  SHOW(PR_MAX(3, -2));
  SHOW(PR_MIN(2U, 9U));
  SHOW(PR_ABS(-7));
  SHOW(PR_ABS(7));
  SHOW(PR_ARRAY_SIZE(five));
  SHOW(PR_LANGUAGE_I_DEFAULT);
  SHOW(PR_LANGUAGE_EN);
  SHOW(PR_NSPR_ERROR_BASE);
  SHOW(ERROR_TABLE_BASE_nspr);
  SHOW(PR_OUT_OF_MEMORY_ERROR);
  SHOW(PR_FILE_EXISTS_ERROR);
  SHOW(PR_MAX_ERROR);

  /* A statement macro in an if without braces, as programs write it. */
  /* clang-format off */
  if (flag == PR_FALSE)
    PR_BEGIN_MACRO
      counted++;
      counted++;
    PR_END_MACRO;
  else
    PR_BEGIN_MACRO counted = -1; PR_END_MACRO;
  /* clang-format on */
  printf("PR_BEGIN_MACRO: %d\n", counted);
  printf("PR_IMPLEMENT: %d, PR_CALLBACK: %d, packed %d, status %d\n", base_exported(4), fn(5),
         (int)packed, (int)status);
  return 0;
}
