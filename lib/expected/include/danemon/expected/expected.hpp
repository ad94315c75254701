// A value, or the one sentence that says why there is none: how every fallible operation
// that is not interrupted flow reports its outcome (the shape of C++23's std::expected, with
// the error fixed to a sentence for people). Exceptions stay for interrupted flow.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace danemon {

// Why an operation failed: one phrase or sentence for people, without a final period, so
// that callers can embed it ("cannot read /etc/x: permission denied").
struct Error {
    std::string why;
};

template <typename T> class Expected {
public:
    Expected(T value) // NOLINT(google-explicit-constructor): a value is a success
        : state_(std::in_place_index<0>, std::move(value)) {}
    Expected(Error error) // NOLINT(google-explicit-constructor): an Error is a failure
        : state_(std::in_place_index<1>, std::move(error)) {}

    bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    const T& value() const& {
        assert(has_value());
        return std::get<0>(state_);
    }
    T& value() & {
        assert(has_value());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(state_));
    }
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }

    // The reason; only for a failure.
    const std::string& error() const {
        assert(!has_value());
        return std::get<1>(state_).why;
    }

private:
    std::variant<T, Error> state_;
};

// Success without a value, or the reason.
template <> class Expected<void> {
public:
    Expected() = default;
    Expected(Error error) // NOLINT(google-explicit-constructor): an Error is a failure
        : error_(std::move(error.why))
        , failed_(true) {}

    bool has_value() const { return !failed_; }
    explicit operator bool() const { return has_value(); }
    const std::string& error() const {
        assert(failed_);
        return error_;
    }

private:
    std::string error_;
    bool failed_ = false;
};

} // namespace danemon
