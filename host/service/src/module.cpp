// libbillcheck_serve.so: the service behind `billcheck serve` (serve_module.hpp).
#include <billcheck/serve_module.hpp>

#include <atomic>
#include <ctime>
#include <thread>

namespace billcheck {
namespace {

void serve_until_signalled(const ServiceOptions& options, const sigset_t& signals,
                           const std::function<void(int)>& listening) {
  Service service(options);
  listening(service.bind());
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    const timespec tick{0, 200'000'000};
    while (!done) {
      const int s = sigtimedwait(&signals, nullptr, &tick);
      if (s == SIGHUP) {
        service.reload();
      } else if (s == SIGINT || s == SIGTERM) {
        service.stop();  // run() returns once the requests in flight are answered
        return;
      }
    }
  });
  struct Join {  // the waiter ends with run(), returned or thrown
    std::atomic<bool>& done;
    std::thread& waiter;
    ~Join() {
      done = true;
      waiter.join();
    }
  } join{done, waiter};
  service.run();
}

const ServeModule kModule{ServeModule::kVersion, sizeof(ServiceOptions), &Service::routes, &serve_until_signalled};

}  // namespace
}  // namespace billcheck

extern "C" __attribute__((visibility("default"))) const billcheck::ServeModule* billcheck_serve_module() {
  return &billcheck::kModule;
}
