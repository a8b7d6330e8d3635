/* CZeroMQ: libzmq's stable API (Debian libzmq3-dev). No pkgConfig: Debian's libzmq.pc adds -isystem flags SwiftPM rejects. */
#include <zmq.h>
