/*
 * The floor for `jpki status --pins-only`: the least one process does through PC/SC to read the
 * same five PIN counters. It establishes a context, lists the readers, connects to the first one
 * (or the one named by its only argument), begins a transaction, sends the 14 APDUs jpki sends
 * (docs/performance.md), ends the transaction and disconnects, both leaving the card as it is,
 * and prints the tries left of each key reference. No checks, no layers, no output formats.
 *
 *   cc -O2 -I/usr/include/PCSC -o status-floor benches/status-floor.c -lpcsclite
 *   status-floor ["Virtual PCD 00 00"]
 *
 * Exit 0 when every answer was 90 00 or a counter (63 Cx), 1 otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <winscard.h>

/* jpki's exchange for the five key references, in jpki's order: per application a SELECT by
 * AID, then per key reference a SELECT of its PIN file and an empty VERIFY (the counter). */
static const unsigned char select_jpki[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0,
                                            0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
static const unsigned char select_juki[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10,
                                            0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01};
static const unsigned char select_common[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10,
                                              0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00};
static const unsigned char select_kenhojo[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10,
                                               0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
static const unsigned char pin_sign[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B};
static const unsigned char pin_auth[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18};
static const unsigned char pin_juki[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1C};
static const unsigned char pin_kenhojo[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x11};
static const unsigned char counter[] = {0x00, 0x20, 0x00, 0x80};

struct apdu {
    const unsigned char *bytes;
    DWORD length;
    const char *counter_of; /* the key reference whose counter this VERIFY reads, or NULL */
};

#define APDU(a) a, sizeof a
static const struct apdu exchange[14] = {
    {APDU(select_jpki), NULL},    {APDU(pin_sign), NULL},    {APDU(counter), "sign"},
    {APDU(pin_auth), NULL},       {APDU(counter), "auth"},   {APDU(select_juki), NULL},
    {APDU(pin_juki), NULL},       {APDU(counter), "juki"},   {APDU(select_common), NULL},
    {APDU(pin_juki), NULL},       {APDU(counter), "juki"},   {APDU(select_kenhojo), NULL},
    {APDU(pin_kenhojo), NULL},    {APDU(counter), "kenhojo"},
};

static int failed(const char *call, LONG rv) {
    fprintf(stderr, "%s: %s\n", call, pcsc_stringify_error(rv));
    return 1;
}

int main(int argc, char **argv) {
    SCARDCONTEXT context;
    SCARDHANDLE card;
    DWORD protocol, readers_length = SCARD_AUTOALLOCATE;
    char *readers = NULL;
    LONG rv;
    int i, bad = 0;

    rv = SCardEstablishContext(SCARD_SCOPE_USER, NULL, NULL, &context);
    if (rv != SCARD_S_SUCCESS)
        return failed("SCardEstablishContext", rv);
    rv = SCardListReaders(context, NULL, (LPSTR)&readers, &readers_length);
    if (rv != SCARD_S_SUCCESS)
        return failed("SCardListReaders", rv);
    rv = SCardConnect(context, argc > 1 ? argv[1] : readers, SCARD_SHARE_SHARED,
                      SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol);
    if (rv != SCARD_S_SUCCESS)
        return failed("SCardConnect", rv);
    rv = SCardBeginTransaction(card);
    if (rv != SCARD_S_SUCCESS)
        return failed("SCardBeginTransaction", rv);
    for (i = 0; i < 14; i++) {
        /* 256 bytes of data and the status word: the longest answer to a short APDU. */
        unsigned char answer[258];
        DWORD answer_length = sizeof answer;
        rv = SCardTransmit(card, protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1,
                           exchange[i].bytes, exchange[i].length, NULL, answer, &answer_length);
        if (rv != SCARD_S_SUCCESS)
            return failed("SCardTransmit", rv);
        if (answer_length != 2) {
            bad = 1;
        } else if (exchange[i].counter_of) {
            if (answer[0] == 0x63 && (answer[1] & 0xF0) == 0xC0)
                printf("%s %d\n", exchange[i].counter_of, answer[1] & 0x0F);
            else
                bad = 1;
        } else if (answer[0] != 0x90 || answer[1] != 0x00) {
            bad = 1;
        }
    }
    rv = SCardEndTransaction(card, SCARD_LEAVE_CARD);
    if (rv != SCARD_S_SUCCESS)
        return failed("SCardEndTransaction", rv);
    rv = SCardDisconnect(card, SCARD_LEAVE_CARD);
    if (rv != SCARD_S_SUCCESS)
        return failed("SCardDisconnect", rv);
    SCardFreeMemory(context, readers);
    SCardReleaseContext(context);
    return bad;
}
