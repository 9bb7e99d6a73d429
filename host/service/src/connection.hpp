// How the service reads and writes a connection: cpp-httplib parses and
// routes, this layer owns the socket, so that a request has a deadline as a
// whole (a client trickling a byte a second is cut off, where httplib only
// bounds each read), a body left unread closes the connection instead of being
// read as the next request, an idle connection gives its thread up to one
// waiting for a thread, and stopping lets requests in flight finish.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>

namespace billcheck::service {

using Clock = std::chrono::steady_clock;

/// The connection a request came on; handlers reach it through current_connection().
struct Connection {
  int fd = -1;
  Clock::time_point request_started{};
  Clock::time_point read_deadline{};
  bool keep_alive = true;  // false once a request's body was left unread
  bool timed_out = false;  // a read stopped at the request's deadline
};

/// The connection of the request being handled on this thread (nullptr elsewhere).
Connection* current_connection();

struct ConnectionLimits {
  std::chrono::milliseconds read_timeout, write_timeout, keep_alive_timeout;
  unsigned threads = 16;  // connections served at once
  std::size_t requests_per_connection = 100;
};

/// The connections accepted and waiting for a thread, and how many of them an
/// idle connection has already closed to make way for.
class WaitingConnections {
 public:
  void accepted();
  void started();
  /// Whether an idle connection should close so that a waiting one gets its
  /// thread: one idle connection per waiting one, not every idle connection.
  bool give_way();

 private:
  std::mutex mutex_;
  int waiting_ = 0, made_way_ = 0;
};

/// An httplib::Server whose connections are served by the loop above, on
/// `limits.threads` threads.
class HttpServer : public httplib::Server {
 public:
  explicit HttpServer(ConnectionLimits limits);
  /// Stops accepting; connections finish the request they are on, then close.
  void stop_serving();
  bool stopping() const { return stopping_; }
  /// The listening socket's backlog: httplib's default (5) drops connections in a burst.
  void widen_backlog(int backlog);

 private:
  bool process_and_close_socket(socket_t sock) override;

  ConnectionLimits limits_;
  std::atomic<bool> stopping_{false};
  WaitingConnections waiting_;
};

}  // namespace billcheck::service
