// Cooperative cancellation for long core loops: the glue passes a callback that throws
// comply::Cancelled when the backend has a query cancel pending.
#pragma once
#include "core/no_postgres.h"

#include <functional>

namespace comply {

using CancelCheck = std::function<void()>;

// Calls check if it is set; long loops call this every few kilobytes of work.
inline void PollCancel(const CancelCheck& check) {
  if (check) check();
}

}  // namespace comply
