// cvdguard build / keygen: write signed containers with your own keys.
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cmd_build_cdiff.h"
#include "cli/command.h"
#include "cli/report_text.h"
#include "cli/verify_flags.h"
#include "cvdguard/builder.h"
#include "cvdguard/bytes.h"
#include "cvdguard/validator.h"

namespace cvdguard::cli {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

void AddBuildSignCommand(CLI::App* build, Context& ctx);

struct BuildArgs {
  std::string kind = "cvd";
  std::string name = "test";
  long long version = 1;
  long long flevel = 81;
  long long sigs = -1;
  std::string builder = "cvdguard";
  long long stime = -1;
  std::string cvd_key, info_key, copying, out;
  bool raw = false;
  bool allow_invalid = false;
  int gzip_level = 9;
  std::vector<std::string> members;
};

int RunBuild(const BuildArgs& a) {
  BuildSpec spec;
  spec.kind = a.kind == "cld" ? Kind::kCld : a.kind == "cud" ? Kind::kCud : Kind::kCvd;
  spec.name = a.name;
  spec.version = static_cast<std::uint32_t>(a.version);
  spec.flevel = static_cast<std::uint32_t>(a.flevel);
  spec.sigs = a.sigs;
  spec.builder = a.builder;
  spec.stime = a.stime >= 0 ? a.stime : static_cast<std::int64_t>(std::time(nullptr));
  spec.compress = !a.raw;
  spec.gzip_level = a.gzip_level;
  if (!a.cvd_key.empty() && !ReadFile(a.cvd_key, &spec.cvd_key_pem)) {
    std::cerr << "cvdguard build: cannot read --cvd-key '" << a.cvd_key << "'\n";
    return kExitUsage;
  }
  if (!a.info_key.empty() && !ReadFile(a.info_key, &spec.info_key_pem)) {
    std::cerr << "cvdguard build: cannot read --info-key '" << a.info_key << "'\n";
    return kExitUsage;
  }
  if (!a.copying.empty() && !ReadFile(a.copying, &spec.copying)) {
    std::cerr << "cvdguard build: cannot read --copying '" << a.copying << "'\n";
    return kExitUsage;
  }
  for (const auto& m : a.members) {
    std::string content;
    if (!ReadFile(m, &content)) {
      std::cerr << "cvdguard build: cannot read member '" << m << "'\n";
      return kExitIo;
    }
    spec.members.emplace_back(std::filesystem::path(m).filename().string(), std::move(content));
  }
  std::vector<std::uint8_t> bytes;
  std::string error;
  if (!BuildContainer(spec, &bytes, &error)) {
    std::cerr << "cvdguard build: " << error << "\n";
    return kExitUsage;
  }
  if (!a.allow_invalid) {
    // Check what we wrote as a consumer would, trusting only the keys that
    // signed it (a private key PEM yields its public half): a signed but
    // unloadable database (duplicate member, forbidden extension, a line
    // the engine refuses) is never published by mistake.
    VerifyOptions check;
    check.use_official_keys = false;
    if (!spec.cvd_key_pem.empty())
      check.keys.push_back({KeyRole::kCvd, spec.cvd_key_pem, a.cvd_key});
    if (!spec.info_key_pem.empty())
      check.keys.push_back({KeyRole::kInfo, spec.info_key_pem, a.info_key});
    check.file_name = a.out;
    check.at_time = spec.stime;
    Report r = VerifyMemory(bytes, check);
    if (r.verdict != Verdict::kValid) {
      r.path = a.out;
      PrintReportText(r, DetectStyle(/*quiet=*/true), std::cerr);
      std::cerr << "cvdguard build: the result would not pass `cvdguard verify`; nothing written "
                   "(--allow-invalid writes it anyway, for negative tests)\n";
      return kExitInvalid;
    }
  }
  if (!WriteFileAtomically(a.out, bytes, {}, &error)) {
    std::cerr << "cvdguard build: " << error << "\n";
    return kExitIo;
  }
  return kExitOk;
}

void AddBuild(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<BuildArgs>();
  CLI::App* sub = app.add_subcommand(
      "build",
      "Write a .cvd/.cld/.cud signed with your own keys (tests, private mirrors). Members "
      "are the given files, named by their base names; COPYING and <name>.info are added.");
  sub->add_option("--kind", a->kind, "cvd, cld or cud")->check(CLI::IsMember({"cvd", "cld", "cud"}));
  sub->add_option("--name", a->name, "Database name (members are <name>.<ext>)");
  sub->add_option("--version", a->version, "Database version")->check(CLI::Range(0LL, 4294967295LL));
  sub->add_option("--flevel", a->flevel, "Minimum functionality level")->check(CLI::Range(0LL, 4294967295LL));
  sub->add_option("--sigs", a->sigs, "Signature count (default: count the lines)");
  sub->add_option("--builder", a->builder, "Builder name");
  sub->add_option("--stime", a->stime, "Build time, Unix seconds (default: now)");
  sub->add_option("--cvd-key", a->cvd_key, "PEM RSA private key for the header dsig (.cvd)");
  sub->add_option("--info-key", a->info_key, "PEM RSA private key (2048-bit) for the .info DSIG");
  sub->add_option("--copying", a->copying, "File to store as COPYING");
  sub->add_flag("--allow-invalid", a->allow_invalid,
                "Write the result even if it would not pass verify (negative tests)");
  sub->add_option("--gzip-level", a->gzip_level, "gzip level 1-9 (sigtool uses 9)")
      ->check(CLI::Range(1, 9));
  sub->add_flag("--raw", a->raw, ".cld only: store the tar uncompressed (freshclam's default)");
  sub->add_option("-o,--output", a->out, "Output file (required)");
  sub->add_option("MEMBER", a->members, "Database member files (e.g. test.hdb test.ndb)");
  sub->require_subcommand(0, 1);
  AddBuildCdiffCommand(sub, ctx);
  AddBuildSignCommand(sub, ctx);
  sub->callback([a, sub, &ctx] {
    if (!sub->get_subcommands().empty()) return;  // build cdiff / build sign ran
    if (a->out.empty()) {
      std::cerr << "cvdguard build: -o/--output is required\n";
      ctx.exit_code = kExitUsage;
      return;
    }
    ctx.exit_code = RunBuild(*a);
  });
}

struct SignArgs {
  std::string cert, key, chain, out, file;
  long long min_flevel = 230;
};

int RunBuildSign(const SignArgs& a) {
  std::string cert, key, chain, content, error;
  if (!ReadFile(a.cert, &cert) || !ReadFile(a.key, &key) ||
      (!a.chain.empty() && !ReadFile(a.chain, &chain))) {
    std::cerr << "cvdguard build sign: cannot read the certificate, key or chain file\n";
    return kExitUsage;
  }
  if (!ReadFile(a.file, &content)) {
    std::cerr << "cvdguard build sign: cannot read '" << a.file << "'\n";
    return kExitIo;
  }
  std::string text;
  if (!BuildSignFile({content.begin(), content.end()}, cert, key, chain,
                     static_cast<std::uint32_t>(a.min_flevel), &text, &error)) {
    std::cerr << "cvdguard build sign: " << error << "\n";
    return kExitUsage;
  }
  const std::string out = a.out.empty() ? a.file + ".sign" : a.out;
  if (!WriteFileAtomically(out, cvdguard::AsBytes(text), {}, &error)) {
    std::cerr << "cvdguard build sign: " << error << "\n";
    return kExitIo;
  }
  return kExitOk;
}

void AddBuildSignCommand(CLI::App* build, Context& ctx) {
  auto a = std::make_shared<SignArgs>();
  CLI::App* sub = build->add_subcommand(
      "sign", "Write a detached .sign (PKCS#7, #clamsign-1.0) for a .cvd or .cdiff. Name it "
              "<name>-<version>.cvd.sign for ClamAV to find it.");
  sub->add_option("--cert", a->cert, "Signer certificate (PEM)")->required();
  sub->add_option("--key", a->key, "Signer private key (PEM)")->required();
  sub->add_option("--chain", a->chain, "Intermediate certificates to embed (PEM)");
  sub->add_option("--min-flevel", a->min_flevel, "Minimum engine flevel for the line (>= 230)")
      ->check(CLI::Range(230LL, 4294967295LL));
  sub->add_option("-o,--output", a->out, "Output (default FILE.sign)");
  sub->add_option("FILE", a->file, "The file to sign")->required();
  sub->callback([a, &ctx] { ctx.exit_code = RunBuildSign(*a); });
}

struct KeygenArgs {
  int bits = 2048;
  bool force = false;
  std::string prefix;
};

int RunKeygen(const KeygenArgs& a) {
  const std::string base = std::filesystem::path(a.prefix).filename().string();
  if (base.empty()) {
    std::cerr << "cvdguard keygen: PREFIX must end in a file name (PREFIX.key, PREFIX.pub)\n";
    return kExitUsage;
  }
  const std::string key = a.prefix + ".key", pub = a.prefix + ".pub";
  if (!a.force) {
    for (const auto& p : {key, pub}) {
      struct stat st {};
      if (::lstat(p.c_str(), &st) == 0) {
        std::cerr << "cvdguard keygen: '" << p
                  << "' exists; keygen never replaces a key (use --force)\n";
        return kExitUsage;
      }
    }
  }
  std::string priv, public_pem, error;
  if (!GenerateRsaKey(a.bits, &priv, &public_pem, &error)) {
    std::cerr << "cvdguard keygen: " << error << "\n";
    return kExitIo;
  }
  // The private key is never readable by others, not even for a moment, and
  // a key pair re-generated by mistake cannot be recovered: without --force
  // an existing file is never replaced (also one that appeared since the
  // check above).
  if (!WriteFileAtomically(key, cvdguard::AsBytes(priv), {.mode = 0600, .replace = a.force},
                           &error) ||
      !WriteFileAtomically(pub, cvdguard::AsBytes(public_pem), {.mode = 0644, .replace = a.force},
                           &error)) {
    std::cerr << "cvdguard keygen: " << error << "\n";
    return kExitIo;
  }
  return kExitOk;
}

void AddKeygen(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<KeygenArgs>();
  CLI::App* sub = app.add_subcommand(
      "keygen",
      "Generate an RSA key pair PREFIX.key (mode 0600) / PREFIX.pub for `build` and `--key`. "
      "Never replaces existing files without --force (exit 2).");
  sub->add_option("--bits", a->bits, "Modulus size: 1024 for cvd, 2048 for info and cdiff")
      ->check(CLI::Range(512, 8192));
  sub->add_option("PREFIX", a->prefix, "Output prefix")->required();
  sub->add_flag("--force", a->force, "Replace an existing PREFIX.key / PREFIX.pub");
  sub->callback([a, &ctx] { ctx.exit_code = RunKeygen(*a); });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("build", AddBuild);
CVDGUARD_REGISTER_COMMAND("keygen", AddKeygen);

}  // namespace cvdguard::cli
