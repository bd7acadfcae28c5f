// aptshim.cc - aptshim.h on libapt-pkg (apt 2.x).  Keep it small: every
// decision belongs to the C side; this file only asks apt.
#include "aptshim.h"

#include <apt-pkg/acquire.h>
#include <apt-pkg/algorithms.h>
#include <apt-pkg/aptconfiguration.h>
#include <apt-pkg/cachefile.h>
#include <apt-pkg/configuration.h>
#include <apt-pkg/depcache.h>
#include <apt-pkg/error.h>
#include <apt-pkg/init.h>
#include <apt-pkg/pkgsystem.h>
#include <apt-pkg/sourcelist.h>
#include <apt-pkg/update.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/stat.h>

namespace {

// Quiet acquire progress: the builder reports failures through pgb_err.
class QuietStatus : public pkgAcquireStatus {
public:
	bool MediaChange(std::string, std::string) override { return false; }
};

// Move apt's pending error messages into err; returns -1.
int apt_fail(struct pgb_err *err, const std::string &what)
{
	std::string msg = what;

	while (!_error->empty()) {
		std::string m;
		bool is_error = _error->PopMessage(m);

		msg += is_error ? "; " : "; (warning) ";
		msg += m;
	}
	return pgb_fail(err, "%s", msg.c_str());
}

bool write_text(const std::string &path, const std::string &text)
{
	FILE *f = std::fopen(path.c_str(), "w");

	if (!f)
		return false;
	bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
	return std::fclose(f) == 0 && ok;
}

// A private apt root: nothing of the host's apt state is read or written.
bool configure(const std::string &root, const char *source_line, const char *status,
	       const char *arch, int recommends)
{
	// Set before pkgInitConfig, which only fills what is unset and then reads
	// Dir::Etc::parts: the host's apt.conf.d (and its update hooks) stay out.
	// The directories first: pkgInitConfig warns about a missing parts dir.
	const char *dirs[] = { "/etc", "/etc/parts", "/etc/sources.d", "/etc/preferences.d",
			       "/lists", "/lists/partial", "/cache", "/cache/archives",
			       "/cache/archives/partial", "/log" };
	for (const char *d : dirs)
		if (mkdir((root + d).c_str(), 0755) < 0 && errno != EEXIST)
			return _error->Errno("mkdir", "cannot create %s%s", root.c_str(), d);
	_config->Set("Dir::Etc::main", "/dev/null");
	_config->Set("Dir::Etc::parts", root + "/etc/parts");
	if (!pkgInitConfig(*_config))
		return false;
	if (!write_text(root + "/etc/sources.list", std::string(source_line) + "\n"))
		return _error->Error("cannot write %s/etc/sources.list", root.c_str());
	_config->Set("Dir", root);
	_config->Set("Dir::Etc", root + "/etc");
	_config->Set("Dir::Etc::main", "/dev/null");
	_config->Set("Dir::Etc::parts", root + "/etc/parts");
	_config->Set("Dir::Etc::sourcelist", root + "/etc/sources.list");
	_config->Set("Dir::Etc::sourceparts", root + "/etc/sources.d");
	_config->Set("Dir::Etc::preferences", root + "/etc/preferences");
	_config->Set("Dir::Etc::preferencesparts", root + "/etc/preferences.d");
	_config->Set("Dir::Etc::trusted", "/dev/null");
	_config->Set("Dir::Etc::trustedparts", root + "/etc/parts");
	_config->Set("Dir::State", root);
	_config->Set("Dir::State::lists", root + "/lists/");
	_config->Set("Dir::State::status", status);
	_config->Set("Dir::State::extended_states", root + "/extended_states");
	_config->Set("Dir::Cache", root + "/cache");
	_config->Set("Dir::Cache::pkgcache", "");
	_config->Set("Dir::Cache::srcpkgcache", "");
	_config->Set("Dir::Log", root + "/log");
	_config->Set("APT::Architecture", arch);
	_config->Clear("APT::Architectures");
	_config->Set("APT::Architectures::", arch);
	// apt caches the architecture list: make it re-read what was just set.
	APT::Configuration::getArchitectures(false);
	_config->Set("APT::Install-Recommends", recommends ? "true" : "false");
	_config->Set("APT::Install-Suggests", "false");
	// The private root is not readable by the _apt user the methods drop to.
	_config->Set("APT::Sandbox::User", "root");
	_config->Set("Acquire::Languages", "none");
	_config->Set("Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled", "false");
	_config->Set("Debug::NoLocking", "true");
	return pkgInitSystem(*_config, _system);
}

// What one package's candidate needs that no candidate provides.  The
// policy's candidate: the depcache forgets it once the resolver gives up.
std::string unmet(pkgDepCache &dep, pkgCache::PkgIterator p)
{
	pkgCache::VerIterator v = dep.GetPolicy().GetCandidateVer(p);
	std::string out;

	for (pkgCache::DepIterator d = v.end() ? pkgCache::DepIterator() : v.DependsList();
	     !v.end() && !d.end(); ++d) {
		if (!d.IsCritical() || (dep[d] & pkgDepCache::DepGCVer))
			continue;
		out += out.empty() ? "" : "; ";
		out += std::string(p.FullName(true)) + " " + d.DepType() + ": " +
		       d.TargetPkg().FullName(true);
		if (d.TargetVer())
			out += std::string(" (") + d.CompType() + " " + d.TargetVer() + ")";
		out += " but it is not installable from the bundle";
	}
	return out;
}

// Every package apt left broken, with what it lacks.
std::string broken_report(pkgDepCache &dep)
{
	std::string out;

	for (pkgCache::PkgIterator p = dep.PkgBegin(); !p.end(); ++p) {
		if (!dep[p].InstBroken() && !dep[p].NowBroken())
			continue;
		std::string u = unmet(dep, p);
		out += out.empty() || u.empty() ? "" : "; ";
		out += u;
	}
	return out;
}

int check(const std::string &root, const char *source_line, const char *status,
	  const char *arch, const char *const *names, size_t n, int recommends,
	  struct sbuf *report, struct pgb_err *err)
{
	if (!configure(root, source_line, status, arch, recommends))
		return apt_fail(err, "cannot set up apt");

	pkgCacheFile cache;
	pkgSourceList *list = cache.GetSourceList();
	QuietStatus progress;

	if (!list)
		return apt_fail(err, "apt cannot read the bundle's source line");
	pkgAcquire fetcher(&progress);
	if (!list->GetIndexes(&fetcher) ||
	    !AcquireUpdate(fetcher, 0, false, false) || _error->PendingError())
		return apt_fail(err, "apt update of the bundle failed");
	if (!cache.Open(nullptr, false) || _error->PendingError())
		return apt_fail(err, "apt cannot open the bundle's index");

	pkgDepCache *dep = cache.GetDepCache();
	pkgDepCache::ActionGroup group(*dep);
	std::string missing;

	for (size_t i = 0; i < n; i++) {
		pkgCache::PkgIterator p = cache->FindPkg(names[i], arch);
		if (p.end() || dep->GetCandidateVersion(p).end()) {
			missing += missing.empty() ? "" : ", ";
			missing += names[i];
			continue;
		}
		dep->MarkInstall(p, true);
	}
	if (!missing.empty())
		return pgb_fail(err, "apt finds no installable version of: %s", missing.c_str());
	pkgProblemResolver fix(dep);
	for (size_t i = 0; i < n; i++)
		fix.Protect(cache->FindPkg(names[i], arch));
	if (!fix.Resolve(true) || dep->BrokenCount() != 0) {
		std::string why = broken_report(*dep);
		_error->Discard();
		return pgb_fail(err, "apt's resolver rejects the bundle: %s",
				why.empty() ? "broken packages" : why.c_str());
	}
	// The resolver may "fix" a request by dropping it: each must stay marked.
	for (size_t i = 0; i < n; i++) {
		pkgCache::PkgIterator p = cache->FindPkg(names[i], arch);
		if ((*dep)[p].Install() || (p->CurrentVer != 0 && !(*dep)[p].Delete()))
			continue;
		std::string why = unmet(*dep, p);
		_error->Discard();
		return pgb_fail(err, "apt cannot install %s from the bundle: %s", names[i],
				why.empty() ? "its dependencies are not satisfiable" : why.c_str());
	}
	for (pkgCache::PkgIterator p = dep->PkgBegin(); report && !p.end(); ++p)
		if ((*dep)[p].NewInstall() || (*dep)[p].Upgrade())
			sbuf_addf(report, "%s %s\n", p.Name(), (*dep)[p].CandVersion);
	return 0;
}

} // namespace

extern "C" int aptshim_check(const char *source_line, const char *status_path,
			     const char *arch, const char *const *names, size_t n,
			     int recommends, struct sbuf *report, struct pgb_err *err)
{
	char tmpl[] = "/tmp/pgbundle-apt.XXXXXX";
	struct pgb_err ignored;
	int rc;

	if (!mkdtemp(tmpl))
		return pgb_failsys(err, "cannot create a scratch directory in /tmp");
	try {
		rc = check(tmpl, source_line, status_path, arch, names, n, recommends, report, err);
	} catch (const std::exception &e) {
		rc = pgb_fail(err, "libapt-pkg: %s", e.what());
	} catch (...) {
		rc = pgb_fail(err, "libapt-pkg failed with an unknown exception");
	}
	_error->Discard();
	util_rm_rf(tmpl, &ignored);
	return rc;
}
