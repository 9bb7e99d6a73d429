#include "connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

namespace billcheck::service {
namespace {

thread_local Connection* t_connection = nullptr;

// How long a stopping server waits for the first request of a connection that has sent nothing.
constexpr std::chrono::milliseconds kStoppingGrace{500};
// How long a new connection may take to start its first request before it
// gives its thread to a connection waiting for one.
constexpr std::chrono::seconds kFirstRequestGrace{1};

int milliseconds_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

/// Waits up to `ms` for `events`; false on timeout or error.
bool wait_for(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if ((peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
            : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len)) != 0)
    return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* in = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof text);
    port = ntohs(in->sin6_port);
  }
  ip = text;
}

/// A socket read through a buffer (httplib reads a request line a byte at a
/// time), each read bounded by the idle timeout and by the request's deadline.
class SocketStream final : public httplib::Stream {
 public:
  SocketStream(Connection& conn, const ConnectionLimits& limits) : conn_(conn), limits_(limits) {
    address_of(conn.fd, true, remote_ip_, remote_port_);
    address_of(conn.fd, false, local_ip_, local_port_);
  }

  bool is_readable() const override { return off_ < len_ || wait_readable(); }
  bool is_writable() const override {
    return wait_for(conn_.fd, POLLOUT, static_cast<int>(limits_.write_timeout.count()));
  }

  ssize_t read(char* ptr, std::size_t size) override {
    if (off_ == len_) {
      if (!wait_readable()) return -1;
      ssize_t n;
      do n = ::recv(conn_.fd, buffer_, sizeof buffer_, 0);
      while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      off_ = 0;
      len_ = static_cast<std::size_t>(n);
    }
    const std::size_t n = std::min(size, len_ - off_);
    std::memcpy(ptr, buffer_ + off_, n);
    off_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do n = ::send(conn_.fd, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return conn_.fd; }

  bool has_buffered() const { return off_ < len_; }

 private:
  bool wait_readable() const {
    if (Clock::now() >= conn_.read_deadline) {
      conn_.timed_out = true;
      return false;
    }
    const int ms = std::min(static_cast<int>(limits_.read_timeout.count()), milliseconds_until(conn_.read_deadline));
    if (wait_for(conn_.fd, POLLIN, ms)) return true;
    conn_.timed_out = true;
    return false;
  }

  Connection& conn_;
  const ConnectionLimits& limits_;
  std::string remote_ip_, local_ip_;
  int remote_port_ = 0, local_port_ = 0;
  char buffer_[16384];
  std::size_t off_ = 0, len_ = 0;
};

/// Closes a connection whose request body was not read: stops sending, then
/// reads what the client is still sending (for a moment) before closing, so
/// that the client gets the error response rather than a reset.
void linger_and_close(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto until = Clock::now() + std::chrono::seconds(2);
  char sink[16384];
  while (wait_for(fd, POLLIN, milliseconds_until(until))) {
    ssize_t n = ::recv(fd, sink, sizeof sink, 0);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  ::close(fd);
}

/// httplib's thread pool, telling `waiting` when a connection is queued for a
/// thread and when it gets one. httplib serves a connection on one thread from
/// its first byte to its close; its maintainers leave queueing policy to a
/// TaskQueue of one's own (cpp-httplib issues #997, #1718).
class CountingPool final : public httplib::TaskQueue {
 public:
  CountingPool(unsigned threads, WaitingConnections& waiting) : pool_(threads), waiting_(waiting) {}

  void enqueue(std::function<void()> fn) override {
    waiting_.accepted();
    pool_.enqueue([this, fn = std::move(fn)] {
      waiting_.started();
      fn();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
  WaitingConnections& waiting_;
};

}  // namespace

Connection* current_connection() { return t_connection; }

void WaitingConnections::accepted() {
  std::lock_guard lock(mutex_);
  ++waiting_;
}

void WaitingConnections::started() {
  std::lock_guard lock(mutex_);
  --waiting_;
  if (made_way_ > 0) --made_way_;
}

bool WaitingConnections::give_way() {
  std::lock_guard lock(mutex_);
  if (waiting_ <= made_way_) return false;
  ++made_way_;
  return true;
}

HttpServer::HttpServer(ConnectionLimits limits) : limits_(limits) {
  new_task_queue = [this] { return new CountingPool(std::max(1u, limits_.threads), waiting_); };
}

void HttpServer::stop_serving() {
  stopping_ = true;
  stop();
}

void HttpServer::widen_backlog(int backlog) {
  // listen() on a listening socket only changes its backlog.
  if (svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, backlog);
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  // Answers are written in two sends (head, body): without this, Nagle's
  // algorithm holds the body until the client's delayed ACK, 40 ms later.
  int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  Connection conn;
  conn.fd = sock;
  t_connection = &conn;
  SocketStream stream(conn, limits_);
  bool ok = true;
  for (std::size_t served = 0; served < limits_.requests_per_connection; ++served) {
    // The first request was what the connection came for: it is answered even
    // when stopping. Between requests, a stopping server closes an idle connection.
    // A connection with nothing to read (between requests, or before its first)
    // holds a thread for nothing: it is closed when another connection waits
    // for a thread, or 16 idle ones would hold every other request for their
    // whole timeout. Between requests after a tick; before its first only
    // once it has sent nothing for kFirstRequestGrace, since a client whose
    // request is on its way (a slow network, a proxy) would be closed without
    // an answer to what it came for.
    // A stopping server gives a connection that has sent nothing yet a moment
    // for a request already on its way, not the whole read timeout: a client
    // that opened a connection ahead of need (a pool, a browser) must not hold
    // the exit for --read-timeout.
    const auto wait = served == 0 ? limits_.read_timeout : limits_.keep_alive_timeout;
    const auto since = Clock::now();
    auto until = since + wait;
    bool ready = stream.has_buffered(), grace = false;
    while (!ready && Clock::now() < until && !(served > 0 && stopping_)) {
      if (stopping_ && !grace) {
        until = std::min(until, Clock::now() + kStoppingGrace);
        grace = true;
      }
      ready = wait_for(sock, POLLIN, std::min(100, milliseconds_until(until)));
      if (!ready && (served > 0 || Clock::now() - since >= kFirstRequestGrace) && waiting_.give_way()) break;
    }
    if (!ready) break;
    conn.request_started = Clock::now();
    conn.read_deadline = conn.request_started + limits_.read_timeout;
    conn.timed_out = false;
    bool closed = false;
    const bool last = served + 1 == limits_.requests_per_connection || stopping_;
    ok = process_request(stream, last, closed, nullptr);
    if (!ok || closed || last || !conn.keep_alive) break;
  }
  t_connection = nullptr;
  if (!conn.keep_alive) {
    linger_and_close(sock);
  } else {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }
  return ok;
}

}  // namespace billcheck::service
