// Python bindings of the enriching_gan CUDA kernels (see ops_kernels.cu).
#include <torch/extension.h>

torch::Tensor upfirdn2d_cuda(const torch::Tensor& x, const torch::Tensor& kernel,
                             int64_t up_x, int64_t up_y, int64_t down_x, int64_t down_y,
                             int64_t pad_x0, int64_t pad_x1, int64_t pad_y0, int64_t pad_y1);
torch::Tensor bias_act_cuda(const torch::Tensor& x, const torch::Tensor& bias,
                            int64_t act, double alpha, double gain);
torch::Tensor bias_act_grad_cuda(const torch::Tensor& grad, const torch::Tensor& y,
                                 int64_t act, double alpha, double gain);

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
    m.def("upfirdn2d", &upfirdn2d_cuda, "Up-sample, pad, FIR-filter and down-sample a (N, C, H, W) tensor");
    m.def("bias_act", &bias_act_cuda, "act(x + bias[channel]) * gain");
    m.def("bias_act_grad", &bias_act_grad_cuda, "grad * gain * act'(pre-activation), read off the output's sign");
}
