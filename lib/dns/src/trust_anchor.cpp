// The trust anchor and root hints of the embedded validator, read with ldns before libunbound
// is given them, so that a bad file is one sentence at start rather than a failure of every
// query; and the RFC 5011 state file, first copied from Debian's root key.
#include "trust_anchor.hpp"

#include "answer.hpp"
#include "danemon/localfile/read.hpp"
#include "ldns_cxx.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace danemon::dns::detail {
namespace {

constexpr localfile::Limit zone_data{std::size_t{1} << 20, "a trust anchor or root hints file"};

struct FileClose {
    void operator()(FILE* f) const { std::fclose(f); }
};
struct RrFree {
    void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
// The origin and previous owner ldns carries from one record of a file to the next.
struct ReadState {
    ldns_rdf* origin = ldns_dname_new_frm_str(".");
    ldns_rdf* previous = nullptr;
    std::uint32_t ttl = 3600;
    int line = 0;
    ReadState() = default;
    ReadState(const ReadState&) = delete;
    ReadState& operator=(const ReadState&) = delete;
    ~ReadState() {
        ldns_rdf_deep_free(origin);
        ldns_rdf_deep_free(previous);
    }
};

// The records of a file in zone-file syntax (comments, $ORIGIN, $TTL and parentheses as
// ldns reads them), each given to `take`; throws with the line of the first bad record.
// `what` names the file in a sentence: "trust anchor", "root hints".
template <typename Take>
void read_records(const std::string& path, const std::string& what, Take&& take) {
    auto text = localfile::read_regular_file(path, zone_data);
    if (!text) throw std::runtime_error(text.error() + " (the " + what + ")");
    std::string data = std::move(*text);
    std::unique_ptr<FILE, FileClose> in(fmemopen(data.data(), data.size(), "r"));
    if (!in) throw std::runtime_error("cannot read the " + what + " " + path + ": out of memory");
    ReadState state;
    while (!std::feof(in.get())) {
        ldns_rr* raw = nullptr;
        const ldns_status status = ldns_rr_new_frm_fp_l(&raw, in.get(), &state.ttl, &state.origin,
                                                        &state.previous, &state.line);
        std::unique_ptr<ldns_rr, RrFree> rr(raw);
        if (status == LDNS_STATUS_SYNTAX_EMPTY || status == LDNS_STATUS_SYNTAX_TTL ||
            status == LDNS_STATUS_SYNTAX_ORIGIN)
            continue;
        if (status != LDNS_STATUS_OK) {
            throw std::runtime_error("the " + what + " " + path + " line " +
                                     std::to_string(state.line) + " is not a DNS record (" +
                                     ldns_get_errorstr_by_id(status) + ")");
        }
        take(*rr);
    }
}

// The DS and DNSKEY records of a trust anchor file: its owner and key tags (a DNSKEY that
// is revoked, RFC 5011 section 7, does not count).
TrustAnchor read_anchor(const std::string& path, const std::string& what) {
    TrustAnchor anchor;
    anchor.file = path;
    read_records(path, what, [&](const ldns_rr& rr) {
        const ldns_rr_type type = ldns_rr_get_type(&rr);
        if (type != LDNS_RR_TYPE_DS && type != LDNS_RR_TYPE_DNSKEY) return;
        if (ldns_rr_rd_count(&rr) < 1) return;
        std::uint16_t tag = 0;
        if (type == LDNS_RR_TYPE_DS) {
            tag = ldns_rdf2native_int16(ldns_rr_rdf(&rr, 0));
        } else {
            if ((ldns_rdf2native_int16(ldns_rr_rdf(&rr, 0)) & 0x0080) != 0) return; // REVOKE
            tag = ldns_calc_keytag(&rr);
        }
        anchor.owner = facts::normalize_name(rdf_text(ldns_rr_owner(&rr)));
        if (anchor.owner.empty()) anchor.owner = ".";
        anchor.key_tags.push_back(tag);
    });
    if (anchor.key_tags.empty())
        throw std::runtime_error("the " + what + " " + path + " holds no DS or DNSKEY record");
    return anchor;
}

// Writes DATA as PATH (a new file beside it, then renamed), mode 0644, owned by the owner of
// the directory when danemon runs as root (the daemon's user must be able to update it).
// Empty when done, else why not.
std::string write_state_copy(const std::string& dir, const std::string& path,
                             const std::string& data) {
    struct stat directory {};
    if (::stat(dir.c_str(), &directory) != 0) return dir + ": " + std::strerror(errno);
    const std::string temporary = path + ".new";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return "cannot write " + temporary + ": " + std::strerror(errno);
    std::string why;
    if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()) ||
        ::fchmod(fd, 0644) != 0 ||
        (::geteuid() == 0 && ::fchown(fd, directory.st_uid, directory.st_gid) != 0) ||
        ::fsync(fd) != 0)
        why = "cannot write " + temporary + ": " + std::strerror(errno);
    ::close(fd);
    if (why.empty() && ::rename(temporary.c_str(), path.c_str()) != 0)
        why = "cannot rename " + temporary + ": " + std::strerror(errno);
    if (!why.empty()) ::unlink(temporary.c_str());
    return why;
}

} // namespace

TrustAnchor prepare_trust_anchor(const ValidatorOptions& options) {
    if (!options.trust_anchor.empty()) return read_anchor(options.trust_anchor, "trust anchor");
    const std::string packaged = options.packaged_root_key;
    const auto read_packaged = [&] {
        try {
            return read_anchor(packaged, "root trust anchor");
        } catch (const std::runtime_error& e) {
            throw std::runtime_error(
                std::string(e.what()) +
                "; install Debian's dns-root-data, or give --trust-anchor FILE");
        }
    };
    if (options.state_dir.empty()) return read_packaged();
    const std::string state = options.state_dir + "/root.key";
    if (!localfile::non_regular_kind(state) && ::access(state.c_str(), R_OK) == 0) {
        try {
            TrustAnchor tracked = read_anchor(state, "RFC 5011 state file");
            tracked.tracked = true;
            return tracked;
        } catch (const std::runtime_error&) {
            // Damaged (not by libunbound, which replaces it whole): start again from the
            // packaged key below.
        }
    }
    TrustAnchor anchor = read_packaged();
    auto data = localfile::read_regular_file(packaged, zone_data);
    const std::string why = data ? write_state_copy(options.state_dir, state, *data)
                                 : std::string("cannot read ") + packaged;
    if (!why.empty()) {
        anchor.note = "not tracked by RFC 5011: " + why;
        return anchor;
    }
    anchor.file = state;
    anchor.tracked = true;
    return anchor;
}

void check_root_hints(const std::string& file) {
    bool root_ns = false;
    read_records(file, "root hints", [&](const ldns_rr& rr) {
        if (ldns_rr_get_type(&rr) == LDNS_RR_TYPE_NS &&
            facts::normalize_name(rdf_text(ldns_rr_owner(&rr))).empty())
            root_ns = true;
    });
    if (!root_ns)
        throw std::runtime_error("the root hints " + file + " holds no NS record of the root");
}

} // namespace danemon::dns::detail

namespace danemon::dns {

void check_validator_files(const std::string& trust_anchor, const std::string& root_hints) {
    if (!trust_anchor.empty()) (void)detail::read_anchor(trust_anchor, "trust anchor");
    if (!root_hints.empty()) detail::check_root_hints(root_hints);
}

} // namespace danemon::dns

namespace danemon::dns::detail {

std::string describe(const TrustAnchor& anchor) {
    std::string text = anchor.owner == "." ? "root trust anchor" : "trust anchor " + anchor.owner;
    text += anchor.key_tags.size() == 1 ? " key tag " : " key tags ";
    for (std::size_t i = 0; i < anchor.key_tags.size(); ++i)
        text += (i > 0 ? ", " : "") + std::to_string(anchor.key_tags[i]);
    if (!anchor.note.empty()) text += " (" + anchor.note + ")";
    return text;
}

} // namespace danemon::dns::detail
