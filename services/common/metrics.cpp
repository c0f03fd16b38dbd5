#include <curation/common/metrics.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include <httplib.h>

namespace curation {
namespace {

void AtomicAdd(std::atomic<double>& target, double by) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
  }
}

std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\' || ch == '"') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra_name = "", const std::string& extra_value = "") {
  if (labels.empty() && extra_name.empty()) {
    return "";
  }
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    out += (first ? "" : ",") + name + "=\"" + EscapeLabel(value) + "\"";
    first = false;
  }
  if (!extra_name.empty()) {
    out += (first ? "" : ",") + extra_name + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

std::string Number(double value) {
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

}  // namespace

void Counter::Inc(double by) { AtomicAdd(value_, by); }
void Gauge::Add(double by) { AtomicAdd(value_, by); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size(), 0) {}

void Histogram::Observe(double value) {
  std::lock_guard lock(mutex_);
  auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  if (it != upper_bounds_.end()) {
    ++counts_[it - upper_bounds_.begin()];
  }
  ++count_;
  sum_ += value;
}

Histogram::Snapshot Histogram::Read() const {
  std::lock_guard lock(mutex_);
  Snapshot snapshot{upper_bounds_, {}, count_, sum_};
  uint64_t running = 0;
  for (uint64_t c : counts_) {
    running += c;
    snapshot.cumulative_counts.push_back(running);
  }
  return snapshot;
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name, const std::string& type,
                                                    const std::string& help) {
  Family& family = families_[name];
  if (family.type.empty()) {
    family.type = type;
    family.help = help;
  }
  return family;
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = FamilyFor(name, "counter", help).counters[labels];
  if (!slot) {
    slot = std::make_unique<Counter>();
  }
  return *slot;
}

Gauge& MetricsRegistry::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = FamilyFor(name, "gauge", help).gauges[labels];
  if (!slot) {
    slot = std::make_unique<Gauge>();
  }
  return *slot;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help, const Labels& labels,
                                         std::vector<double> upper_bounds) {
  std::lock_guard lock(mutex_);
  auto& slot = FamilyFor(name, "histogram", help).histograms[labels];
  if (!slot) {
    slot = std::make_unique<Histogram>(std::move(upper_bounds));
  }
  return *slot;
}

void MetricsRegistry::AddRefresher(std::function<void()> refresher) {
  std::lock_guard lock(mutex_);
  refreshers_.push_back(std::move(refresher));
}

std::vector<double> MetricsRegistry::DefaultSecondsBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

std::string MetricsRegistry::Expose() {
  std::vector<std::function<void()>> refreshers;
  {
    std::lock_guard lock(mutex_);
    refreshers = refreshers_;
  }
  for (auto& refresh : refreshers) {
    refresh();
  }
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  for (const auto& [name, family] : families_) {
    out << "# HELP " << name << " " << family.help << "\n# TYPE " << name << " " << family.type << "\n";
    for (const auto& [labels, counter] : family.counters) {
      out << name << LabelText(labels) << " " << Number(counter->Value()) << "\n";
    }
    for (const auto& [labels, gauge] : family.gauges) {
      out << name << LabelText(labels) << " " << Number(gauge->Value()) << "\n";
    }
    for (const auto& [labels, histogram] : family.histograms) {
      auto snapshot = histogram->Read();
      for (size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
        out << name << "_bucket" << LabelText(labels, "le", Number(snapshot.upper_bounds[i])) << " "
            << snapshot.cumulative_counts[i] << "\n";
      }
      out << name << "_bucket" << LabelText(labels, "le", "+Inf") << " " << snapshot.count << "\n";
      out << name << "_sum" << LabelText(labels) << " " << Number(snapshot.sum) << "\n";
      out << name << "_count" << LabelText(labels) << " " << snapshot.count << "\n";
    }
  }
  return out.str();
}

struct MetricsServer::Impl {
  httplib::Server server;
  std::thread thread;
};

MetricsServer::MetricsServer(MetricsRegistry& registry) : impl_(std::make_unique<Impl>()) {
  impl_->server.Get("/metrics", [&registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry.Expose(), "text/plain; version=0.0.4");
  });
}

MetricsServer::~MetricsServer() { Stop(); }

absl::Status MetricsServer::Start(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("server.metrics_listen: expected host:port, got '" + listen + "'");
  }
  std::string host = listen.substr(0, colon);
  int port = std::atoi(listen.c_str() + colon + 1);
  port_ = port == 0 ? impl_->server.bind_to_any_port(host) : (impl_->server.bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) {
    return absl::UnavailableError("cannot listen for metrics on " + listen);
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // A stop() that arrives before the loop runs is lost, so Start returns only once it runs.
  while (!impl_->server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return absl::OkStatus();
}

void MetricsServer::Stop() {
  if (impl_ && impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace curation
