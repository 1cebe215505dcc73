// Independent per-layer work spread over the machine's cores.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

namespace neurosim {

// Threads for per-layer work: the environment variable NEUROSIM_THREADS when it is a positive
// integer (a scheduler running several estimates at once sets it to each job's share), else the
// hardware's concurrency.
inline std::size_t worker_threads() {
    if (const char* text = std::getenv("NEUROSIM_THREADS")) {
        char* end = nullptr;
        const long n = std::strtol(text, &end, 10);
        if (end != text && *end == '\0' && n > 0) return static_cast<std::size_t>(std::min(n, 256L));
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

// Calls work(i) once for every i in [0, n), on up to worker_threads() threads. Each call must only
// write its own index's result, so the outcome does not depend on the thread count. When calls
// throw, the exception of the lowest index is rethrown, as a loop in index order would report first.
template <class Work>
void for_each_index(std::size_t n, const Work& work) {
    std::vector<std::exception_ptr> errors(n);
    std::atomic<std::size_t> next{0};
    auto drain = [&] {
        for (std::size_t i = next++; i < n; i = next++) {
            try {
                work(i);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    };
    std::vector<std::thread> helpers;
    const std::size_t threads = std::min(n, worker_threads());
    for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(drain);
    drain();
    for (std::thread& helper : helpers) helper.join();
    for (const std::exception_ptr& error : errors) {
        if (error) std::rethrow_exception(error);
    }
}

}  // namespace neurosim
