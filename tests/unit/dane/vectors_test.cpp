// The DANE verification vectors of tests/data/dane-vectors.txt (its header says how one is
// written), each run through dane::verify and checked field by field.
#include "danemon/dane/verify.hpp"
#include "test_data.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace danemon::dane;

namespace {

using test::now_2025;
constexpr std::time_t after_leaf_expiry = 4107542400; // 2100-03-01T00:00:00Z

struct Vector {
    std::string name;
    int line = 0; // of its "vector:" line
    std::vector<std::pair<std::string, std::string>> fields;
};

std::vector<Vector> read_vectors() {
    std::vector<Vector> vectors;
    std::istringstream text(test::read_data_file("dane-vectors.txt"));
    std::string line;
    for (int number = 1; std::getline(text, line); ++number) {
        if (line.empty() || line.front() == '#') continue;
        const auto colon = line.find(':');
        if (colon == std::string::npos) FAIL("dane-vectors.txt:" << number << ": no KEY: VALUE");
        const std::string key = line.substr(0, colon);
        const std::string value = line.substr(colon + 1 + (line.size() > colon + 1 ? 1 : 0));
        if (key == "vector") {
            vectors.push_back({value, number, {}});
        } else {
            if (vectors.empty()) FAIL("dane-vectors.txt:" << number << ": before any vector");
            vectors.back().fields.emplace_back(key, value);
        }
    }
    return vectors;
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string word; in >> word;)
        out.push_back(word == "\"\"" ? std::string() : word);
    return out;
}

DaneOutcome outcome_named(const std::string& name) {
    if (name == "pass") return DaneOutcome::pass;
    if (name == "fail") return DaneOutcome::fail;
    if (name == "no-usable-records") return DaneOutcome::no_usable_records;
    if (name == "internal-error") return DaneOutcome::internal_error;
    FAIL("unknown outcome " << name);
    return DaneOutcome::internal_error;
}

DaneFailure failure_named(const std::string& name) {
    if (name == "no-match") return DaneFailure::no_match;
    if (name == "expired") return DaneFailure::expired;
    if (name == "name-mismatch") return DaneFailure::name_mismatch;
    if (name == "chain-invalid") return DaneFailure::chain_invalid;
    if (name == "empty-chain") return DaneFailure::empty_chain;
    FAIL("unknown failure " << name);
    return DaneFailure::none;
}

// "3 1 1 cert 0", "3 1 2 stale", "3 1 2 bytes 32" against the chain file's certificates.
TlsaRecord record_from(const std::string& text, const ServedChain& file) {
    const auto w = words(text);
    REQUIRE(w.size() >= 4);
    const auto field = [&](std::size_t i) { return static_cast<std::uint8_t>(std::stoi(w[i])); };
    TlsaRecord record{field(0), field(1), field(2), {}};
    if (w[3] == "cert") {
        REQUIRE(w.size() == 5);
        auto data =
            association_data(file.der.at(std::stoul(w[4])), record.selector, record.matching);
        REQUIRE(data);
        record.data = *data;
    } else if (w[3] == "stale") {
        record.data = test::stale_data(record.matching);
    } else if (w[3] == "bytes") {
        REQUIRE(w.size() == 5);
        record.data = Bytes(std::stoul(w[4]), 0x5A);
    } else {
        FAIL("unknown record data " << w[3]);
    }
    return record;
}

// What the vector's fields before its expectations describe.
DaneInput input_of(const Vector& v) {
    DaneInput input{{}, {"mx.example.test"}, {}, now_2025};
    ServedChain file;
    for (const auto& [key, value] : v.fields) {
        if (key == "chain") {
            const auto w = words(value);
            REQUIRE(!w.empty());
            file = test::load_chain(w[0]);
            input.chain = file;
            for (std::size_t i = 1; i + 1 < w.size(); i += 2) {
                const std::size_t n = std::stoul(w[i + 1]);
                if (w[i] == "served")
                    input.chain.der.resize(n);
                else if (w[i] == "corrupt")
                    input.chain.der.at(n).back() ^= 0x01;
                else
                    FAIL("unknown chain option " << w[i]);
            }
        } else if (key == "names") {
            input.reference_names = words(value);
        } else if (key == "time") {
            input.now = value == "after-leaf-expiry" ? after_leaf_expiry : now_2025;
        } else if (key == "record") {
            input.records.push_back(record_from(value, file));
        }
    }
    return input;
}

// "0 - 1" per record: an int, or "-" for none.
std::vector<std::optional<int>> per_record(const std::string& value) {
    std::vector<std::optional<int>> out;
    for (const auto& w : words(value))
        out.push_back(w == "-" ? std::nullopt : std::optional<int>(std::stoi(w)));
    return out;
}

void check_expectations(const Vector& v, const DaneVerdict& verdict) {
    bool has_outcome = false;
    for (const auto& [key, value] : v.fields) {
        CAPTURE(key, value);
        if (key == "outcome") {
            has_outcome = true;
            const auto w = words(value);
            REQUIRE(!w.empty());
            CHECK(verdict.outcome == outcome_named(w[0]));
            CHECK(verdict.failure == (w.size() > 1 ? failure_named(w[1]) : DaneFailure::none));
        } else if (key == "match") {
            const auto w = words(value);
            if (w == std::vector<std::string>{"none"}) {
                CHECK_FALSE(verdict.match_index);
            } else {
                REQUIRE(w.size() == 2);
                CHECK(verdict.match_index == std::stoul(w[0]));
                CHECK(verdict.match_depth == std::stoi(w[1]));
            }
        } else if (key == "depths" || key == "hidden" || key == "usable") {
            const auto want = per_record(value);
            REQUIRE(verdict.records.size() == want.size());
            for (std::size_t i = 0; i < want.size(); ++i) {
                CAPTURE(i);
                const auto& r = verdict.records[i];
                CHECK(r.index == i);
                if (key == "depths") CHECK(r.matched_depth == want[i]);
                if (key == "hidden") CHECK(r.hidden_by_agility == (want[i] == 1));
                if (key == "usable") CHECK(r.usability.usable == (want[i] == 1));
            }
        } else if (key == "detail") {
            CHECK(verdict.detail == value);
        } else if (key == "detail-has") {
            CHECK_THAT(verdict.detail, Catch::Contains(value));
        } else if (key == "detail-starts") {
            CHECK_THAT(verdict.detail, Catch::StartsWith(value));
        } else if (key == "detail-ends") {
            CHECK_THAT(verdict.detail, Catch::EndsWith(value));
        } else if (key != "chain" && key != "names" && key != "time" && key != "record") {
            FAIL("unknown key " << key);
        }
    }
    CHECK(has_outcome); // a vector without an expected outcome tests nothing
}

} // namespace

TEST_CASE("the DANE verification vectors of tests/data/dane-vectors.txt") {
    const std::vector<Vector> vectors = read_vectors();
    REQUIRE(vectors.size() >= 40);
    for (const auto& v : vectors) {
        DYNAMIC_SECTION("dane-vectors.txt:" << v.line << ": " << v.name) {
            check_expectations(v, verify(input_of(v)));
        }
    }
}
