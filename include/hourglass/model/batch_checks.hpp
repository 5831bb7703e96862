// hourglass/model/batch_checks.hpp — the checks every model makes of the batches it is handed
// (BasicAutoencoder, BasicVariationalAutoencoder): std::invalid_argument with what was expected
// and what came. They run every training step, so messages are built only on failure.
#pragma once

#include "../core/config.hpp"

#include <span>
#include <stdexcept>

namespace hourglass::detail {

/// X must be rows x n with n >= 1 (one sample per column); `where` names the call.
template <class D>
void require_batch(const Eigen::MatrixBase<D>& x, Index rows, const char* where) {
  if (x.rows() != rows || x.cols() < 1)
    throw std::invalid_argument(message(where, ": expected a batch of ", rows, " x n (one sample per column, n >= 1), got ",
                                        shape(x.rows(), x.cols())));
}

/// load_batch's checks: X has `rows` rows, `columns` is not empty and indexes columns of X.
template <class D>
void require_batch_columns(const Eigen::MatrixBase<D>& x, Index rows, std::span<const Index> columns) {
  if (x.rows() != rows)
    throw std::invalid_argument(message("load_batch: expected data of ", rows, " x n (one sample per column), got ",
                                        shape(x.rows(), x.cols())));
  require(!columns.empty(), "load_batch: empty batch (no column indices given)");
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const Index c = columns[k];
    if (c < 0 || c >= x.cols())
      throw std::invalid_argument(message("load_batch: index ", c, " (entry ", k, " of the batch) is not a column of the ",
                                          shape(x.rows(), x.cols()), " data"));
  }
}

/// compute_gradients(loss, input, target)'s checks: both rows x n, the same n.
template <class D1, class D2>
void require_input_and_target(const Eigen::MatrixBase<D1>& input, const Eigen::MatrixBase<D2>& target, Index rows) {
  require_batch(input, rows, "compute_gradients (input)");
  require_batch(target, rows, "compute_gradients (target)");
  require(input.cols() == target.cols(), "compute_gradients: input has ", input.cols(), " samples but target has ",
          target.cols());
}

}  // namespace hourglass::detail
