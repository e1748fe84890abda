# A plain Makefile for a program that uses NSPR and prshm's shared memory:
# the lines the README gives. PRSHM is where prshm is installed,
# NSPR_INCLUDE where NSPR's headers are. The -include binds every file of
# the program to libprshm-nspr, whatever else the flags say; keep it.
PRSHM ?= /usr/local
NSPR_INCLUDE ?= /usr/include/nspr
CPPFLAGS += -include $(PRSHM)/include/prshm-nspr/prshm_link.h \
            -I$(PRSHM)/include/prshm-nspr -I$(NSPR_INCLUDE)
LDLIBS += -L$(PRSHM)/lib -lprshm-nspr -lplds4 -lplc4 -lnspr4

# The test builds tests/nspr/nspr_program.c with it (SRC).
nspr_program: $(SRC)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $(SRC) $(LDFLAGS) $(LDLIBS)
