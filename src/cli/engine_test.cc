// The engine load test: parent side (rebuild, sandbox, watch, classify) and,
// when built with libclamav, the hidden `__engine-probe` command that runs in
// the child. See engine_test.h and docs/lint.md.
#include "cli/engine_test.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <vector>

#include "cli/command.h"
#include "cvdguard/builder.h"
#include "cvdguard/cdiff.h"

#ifdef CVDGUARD_HAVE_LIBCLAMAV
#include <clamav.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define CVDGUARD_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CVDGUARD_UNDER_ASAN 1
#endif
#endif

namespace cvdguard::cli {
namespace {

constexpr std::size_t kMaxProbeOutput = 256 * 1024;
constexpr const char* kProbeCommand = "__engine-probe";

Finding Make(Code code, std::string message) {
  Finding f;
  f.code = code;
  f.severity = DefaultSeverity(code);
  f.message = std::move(message);
  return f;
}

// Printable, bounded excerpt of probe text for a finding message.
std::string Excerpt(std::string_view s, std::size_t max = 600) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string SignalName(int sig) {
  const char* d = strsignal(sig);
  return "signal " + std::to_string(sig) + (d != nullptr ? std::string(" (") + d + ")" : "");
}

// Removes the work area; it holds only what this process and the child
// wrote (remove_all does not follow symbolic links).
void RemoveWorkArea(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// Database name safe for a file name in the work area.
std::string SafeName(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    out += ok ? c : '_';
  }
  return out.empty() ? std::string("db") : out;
}

bool ReadWholeFile(const std::string& path, std::vector<std::uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// The validated members, rebuilt as an unsigned .cud (COPYING and the .info
// regenerated from them, without the DSIG libclamav cannot read in a .cud).
bool RebuildAsCud(const std::string& path, const Report& r, std::vector<std::uint8_t>* cud,
                  std::string* error) {
  std::vector<std::uint8_t> bytes;
  if (!ReadWholeFile(path, &bytes)) {
    *error = "cannot re-read the file";
    return false;
  }
  MemberList members;
  std::uint32_t version = 0;
  if (!ReadContainerMembers(bytes, &members, &version, error)) return false;
  BuildSpec spec;
  spec.kind = Kind::kCud;
  spec.name = r.database.empty() ? "db" : r.database;
  spec.version = r.header.version;
  spec.flevel = r.header.flevel;
  spec.sigs = r.header.sigs;
  spec.builder = r.header.builder.empty() ? "cvdguard" : r.header.builder;
  spec.stime = static_cast<std::int64_t>(r.header.stime);
  spec.gzip_level = 1;
  for (auto& [name, data] : members) {
    if (name == "COPYING") {
      spec.copying = std::move(data);
    } else if (name != spec.name + ".info") {
      spec.members.emplace_back(name, std::move(data));
    }
  }
  return BuildContainer(spec, cud, error);
}

bool WriteAll(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void ChildWrite(int fd, const char* s) { (void)!write(fd, s, std::strlen(s)); }

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecProbe(int out_fd, const char* exe, char* const argv[],
                            const EngineTestLimits& limits) {
  const int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, 0);
  dup2(out_fd, 1);
  dup2(out_fd, 2);
  setpgid(0, 0);
  const rlim_t secs = static_cast<rlim_t>((limits.timeout_ms + 999) / 1000);
  struct rlimit cpu = {secs, secs + 1};
  setrlimit(RLIMIT_CPU, &cpu);
  struct rlimit core = {0, 0};
  setrlimit(RLIMIT_CORE, &core);
  struct rlimit files = {256, 256};
  setrlimit(RLIMIT_NOFILE, &files);
  struct rlimit fsize = {rlim_t{1} << 30, rlim_t{1} << 30};
  setrlimit(RLIMIT_FSIZE, &fsize);
#ifndef CVDGUARD_UNDER_ASAN
  // (ASan reserves terabytes of address space; a sanitizer build runs
  // without the memory cap.)
  struct rlimit as = {static_cast<rlim_t>(limits.memory_mb) << 20,
                      static_cast<rlim_t>(limits.memory_mb) << 20};
  setrlimit(RLIMIT_AS, &as);
#endif
  // No network: a private network namespace holds only a down loopback.
  if (unshare(CLONE_NEWNET) == 0 || unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0) {
    ChildWrite(1, "sandbox net isolated\n");
  } else {
    ChildWrite(1, "sandbox net shared\n");
  }
  for (int fd = 3; fd < 1024; ++fd) close(fd);
  execv(exe, argv);
  ChildWrite(1, "exec-failed\n");
  _exit(127);
}

}  // namespace

Finding ClassifyProbe(const ProbeOutcome& o, const EngineTestLimits& limits) {
  std::vector<std::string> errors;
  std::string done, fail, engine, net = "not isolated";
  bool exec_failed = false;
  for (const auto& line : Lines(o.output)) {
    if (StartsWith(line, "msg error ")) {
      if (errors.size() < 4) errors.push_back(line.substr(10));
    } else if (StartsWith(line, "done ")) {
      done = line.substr(5);
    } else if (StartsWith(line, "fail ")) {
      fail = line.substr(5);
    } else if (StartsWith(line, "engine ")) {
      engine = line.substr(7);
    } else if (line == "sandbox net isolated") {
      net = "isolated";
    } else if (line == "exec-failed") {
      exec_failed = true;
    }
  }
  std::string said;
  for (const auto& e : errors) said += (said.empty() ? "" : "; ") + e;
  const std::string took = " after " + std::to_string(o.elapsed_ms) + " ms";
  const std::string engine_name = engine.empty() ? "libclamav" : "libclamav " + engine;

  if (o.timed_out) {
    return Make(Code::kEngineTimeout, "no result within the " + std::to_string(limits.timeout_ms) +
                                          " ms limit; the child was killed");
  }
  if (!o.exited) {
    if (o.signal == SIGXCPU) {
      return Make(Code::kEngineTimeout, "the child used up its CPU limit" + took);
    }
    std::string m = "the engine test child was killed by " + SignalName(o.signal) + took;
    if (o.signal == SIGKILL) m += " (possibly by the kernel's out-of-memory killer)";
    if (!said.empty()) m += "; libclamav said: " + said;
    return Make(Code::kEngineCrashed, Excerpt(m));
  }
  if (exec_failed || o.exit_status == 127) {
    return Make(Code::kEngineTestUnavailable, "the engine probe could not be started");
  }
  if (o.exit_status == 0 && !done.empty()) {
    return Make(Code::kEngineLoadOk, engine_name + " loaded and compiled " + done + " signatures" +
                                         took + " (network " + net + ")");
  }
  if (!fail.empty()) {
    // "<stage> <oom 0|1> <libclamav error text>"
    std::istringstream in(fail);
    std::string stage;
    int oom = 0;
    in >> stage >> oom;
    std::string text;
    std::getline(in, text);
    if (!text.empty() && text[0] == ' ') text.erase(0, 1);
    if (oom != 0) {
      return Make(Code::kEngineOutOfMemory,
                  Excerpt(engine_name + " ran out of memory during " + stage + " (limit " +
                          std::to_string(limits.memory_mb) + " MB)" + took));
    }
    std::string m = engine_name + " refused the database at " + stage + ": " + text;
    if (!said.empty()) m += "; libclamav said: " + said;
    return Make(Code::kEngineLoadFailed, Excerpt(m));
  }
  std::string m = "the engine test child exited with status " + std::to_string(o.exit_status) +
                  " without a result" + took;
  if (!said.empty()) m += "; libclamav said: " + said;
  return Make(Code::kEngineCrashed, Excerpt(m));
}

bool EngineTestBuiltIn() {
#ifdef CVDGUARD_HAVE_LIBCLAMAV
  return true;
#else
  return false;
#endif
}

void RunEngineTest(const std::string& path, const EngineTestLimits& limits, Report* report) {
  auto add = [report](Finding f) {
    const bool error = f.severity >= Severity::kError;
    report->findings.push_back(std::move(f));
    if (error && report->verdict == Verdict::kValid) report->verdict = Verdict::kInvalid;
  };
  const bool container =
      report->kind == Kind::kCvd || report->kind == Kind::kCld || report->kind == Kind::kCud;
  if (!container || report->verdict != Verdict::kValid) {
    add(Make(Code::kEngineTestSkipped, container ? "not loaded: the file is already invalid"
                                                 : "not loaded: the file is not a container"));
    return;
  }
  if (!EngineTestBuiltIn()) {
    add(Make(Code::kEngineTestUnavailable, "this cvdguard was built without libclamav"));
    return;
  }
  std::string error;
  std::vector<std::uint8_t> cud;
  if (!RebuildAsCud(path, *report, &cud, &error)) {
    add(Make(Code::kEngineTestUnavailable, "cannot rebuild the members as a .cud: " + error));
    return;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                     "/cvdguard-engine-XXXXXX";
  std::vector<char> dir_buf(tmpl.begin(), tmpl.end());
  dir_buf.push_back('\0');
  if (mkdtemp(dir_buf.data()) == nullptr) {
    add(Make(Code::kEngineTestUnavailable,
             "cannot create a work area in " + tmpl + ": " + std::strerror(errno)));
    return;
  }
  const std::string dir = dir_buf.data();
  const std::string cud_path = dir + "/" + SafeName(report->database) + ".cud";
  {
    const int fd = open(cud_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    const bool ok = fd >= 0 && WriteAll(fd, cud.data(), cud.size());
    if (fd >= 0) close(fd);
    if (!ok) {
      add(Make(Code::kEngineTestUnavailable, "cannot write " + cud_path));
      RemoveWorkArea(dir);
      return;
    }
  }
  // One engine load at a time, whatever --jobs says: each may take
  // gigabytes, as freshclam's test load does.
  static std::mutex one_at_a_time;
  std::lock_guard<std::mutex> serial(one_at_a_time);
  std::vector<std::string> args = {"cvdguard", kProbeCommand, cud_path, dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string exe = "/proc/self/exe";

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    add(Make(Code::kEngineTestUnavailable, std::string("pipe: ") + std::strerror(errno)));
    RemoveWorkArea(dir);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) ExecProbe(fds[1], exe.c_str(), argv.data(), limits);
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    add(Make(Code::kEngineTestUnavailable, std::string("fork: ") + std::strerror(errno)));
    RemoveWorkArea(dir);
    return;
  }
  ProbeOutcome o;
  const auto deadline = start + std::chrono::milliseconds(limits.timeout_ms);
  auto ms_left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now())
        .count();
  };
  char buf[4096];
  for (;;) {
    const auto left = ms_left();
    if (left <= 0) {
      o.timed_out = true;
      break;
    }
    pollfd p = {fds[0], POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    const ssize_t got = read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child (and its exec) closed the pipe
    if (o.output.size() < kMaxProbeOutput) o.output.append(buf, static_cast<std::size_t>(got));
  }
  close(fds[0]);
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, o.timed_out ? 0 : WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (!o.timed_out && ms_left() <= 0) o.timed_out = true;
    if (o.timed_out) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      continue;
    }
    usleep(5000);
  }
  o.elapsed_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::steady_clock::now() - start)
                                                .count());
  o.exited = WIFEXITED(status);
  o.exit_status = o.exited ? WEXITSTATUS(status) : 0;
  o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (o.timed_out) {
    kill(-pid, SIGKILL);  // anything the probe left in its process group
  }
  RemoveWorkArea(dir);
  add(ClassifyProbe(o, limits));
}

#ifdef CVDGUARD_HAVE_LIBCLAMAV
namespace {

// libclamav's messages, one protocol line each ("msg error ..."); the
// parent keeps the first few errors for the finding.
void OnMessage(enum cl_msg severity, const char* fullmsg, const char* msg, void*) {
  const char* text = msg != nullptr ? msg : fullmsg;
  if (text == nullptr) return;
  std::string line = severity == CL_MSG_ERROR ? "msg error " : "msg other ";
  for (const char* p = text; *p != '\0' && line.size() < 1024; ++p) {
    line += (*p == '\n' || *p == '\r') ? ' ' : *p;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  line += '\n';
  (void)!write(1, line.data(), line.size());
}

int RunProbe(const std::string& cud, const std::string& workdir) {
  std::printf("engine %s\n", cl_retver());
  std::fflush(stdout);
  cl_set_clcb_msg(OnMessage);
  auto fail = [](const char* stage, cl_error_t rc) {
    std::printf("fail %s %d %s\n", stage, rc == CL_EMEM ? 1 : 0, cl_strerror(rc));
    std::fflush(stdout);
    return 1;
  };
  cl_error_t rc = cl_init(CL_INIT_DEFAULT);
  if (rc != CL_SUCCESS) return fail("init", rc);
  cl_engine* engine = cl_engine_new();
  if (engine == nullptr) return fail("init", CL_EMEM);
  cl_engine_set_str(engine, CL_ENGINE_TMPDIR, workdir.c_str());
  unsigned int sigs = 0;
  // What freshclam's test load parses: the standard options plus PUA
  // signatures and bytecode (unsigned, as the .cud is).
  rc = cl_load(cud.c_str(), engine, &sigs,
               CL_DB_STDOPT | CL_DB_PUA | CL_DB_BYTECODE_UNSIGNED);
  if (rc != CL_SUCCESS) return fail("load", rc);
  rc = cl_engine_compile(engine);
  if (rc != CL_SUCCESS) return fail("compile", rc);
  std::printf("done %u\n", sigs);
  std::fflush(stdout);
  cl_engine_free(engine);
  return 0;
}

void AddProbe(CLI::App& app, Context&) {
  struct Args {
    std::string cud, workdir;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(kProbeCommand, "internal: the engine test child");
  sub->group("");  // hidden from --help
  sub->add_option("CUD", args->cud)->required();
  sub->add_option("WORKDIR", args->workdir)->required();
  // The child is disposable: leave without exit handlers (a sanitizer's
  // leak report about libclamav must not turn a load into a "crash").
  sub->callback([args] {
    const int rc = RunProbe(args->cud, args->workdir);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(rc);
  });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("__engine-probe", AddProbe);
#endif

}  // namespace cvdguard::cli
