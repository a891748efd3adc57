// CUDA kernels of enriching_gan: upfirdn2d and fused bias + activation.
//
// Written for this package. upfirdn2d stages 32x32 output tiles' input windows in shared memory
// for NCHW tensors and computes channels_last tensors directly; bias_act is one pass over memory.
// Both read NCHW-contiguous or channels_last tensors in place
// (no layout copies) and accumulate in float32 (float64 for double inputs).
#include <torch/extension.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <ATen/OpMathType.h>
#include <climits>

namespace {

constexpr int kThreads = 256;

int64_t blocks_for(int64_t n) {
    const int64_t max_blocks = 65535LL * 8;
    return std::min<int64_t>((n + kThreads - 1) / kThreads, max_blocks);
}

// Layout of a 4-d tensor as the kernels index it.
struct Strides4 { int64_t n, c, h, w; };

Strides4 strides_of(const torch::Tensor& t) {
    return {t.stride(0), t.stride(1), t.stride(2), t.stride(3)};
}

// y[n, c, oy, ox] = sum_{sy, sx} k[kh-1-sy, kw-1-sx] * u[oy*down_y - pad_y0 + sy, ox*down_x - pad_x0 + sx]
// where u is x up-sampled by zero insertion (u[i*up] = x[i], zero elsewhere and outside).
// Only the taps that land on a non-zero sample of u are visited, with the input index stepped
// alongside the tap index (no division in the loops). Grid: x and y over the two fastest output
// dimensions of the memory layout (ox, oy for NCHW; c, ox for channels_last), z over the rest.
template <typename scalar_t, typename acc_t, bool kChannelsLast>
__global__ void upfirdn2d_kernel(const scalar_t* __restrict__ x, const acc_t* __restrict__ k,
                                 scalar_t* __restrict__ y, Strides4 xs, Strides4 ys,
                                 int N, int C, int H, int W, int Ho, int Wo, int kh, int kw,
                                 int up_x, int up_y, int down_x, int down_y, int pad_x0, int pad_y0) {
    const int a = blockIdx.x * blockDim.x + threadIdx.x;
    const int b = blockIdx.y * blockDim.y + threadIdx.y;
    if (a >= (kChannelsLast ? C : Wo) || b >= (kChannelsLast ? Wo : Ho)) return;
    const int z_count = kChannelsLast ? N * Ho : N * C;
    for (int z = blockIdx.z; z < z_count; z += gridDim.z) {
        int n, c, oy, ox;
        if (kChannelsLast) { c = a; ox = b; n = z / Ho; oy = z - n * Ho; }
        else { ox = a; oy = b; n = z / C; c = z - n * C; }
        const int my = oy * down_y - pad_y0;
        const int mx = ox * down_x - pad_x0;
        const int sy0 = ((-my) % up_y + up_y) % up_y;
        const int sx0 = ((-mx) % up_x + up_x) % up_x;
        const int ix0 = (mx + sx0) / up_x;  // exact division
        const scalar_t* xp = x + n * xs.n + c * xs.c;
        acc_t acc = 0;
        int iy = (my + sy0) / up_y;
        for (int sy = sy0; sy < kh; sy += up_y, ++iy) {
            if (iy < 0) continue;
            if (iy >= H) break;
            const acc_t* krow = k + (kh - 1 - sy) * kw + (kw - 1);
            const scalar_t* xrow = xp + iy * xs.h;
            int ix = ix0;
            for (int sx = sx0; sx < kw; sx += up_x, ++ix) {
                if (ix < 0) continue;
                if (ix >= W) break;
                acc += static_cast<acc_t>(xrow[ix * xs.w]) * krow[-sx];
            }
        }
        y[n * ys.n + c * ys.c + oy * ys.h + ox * ys.w] = static_cast<scalar_t>(acc);
    }
}

__device__ __forceinline__ int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
__device__ __forceinline__ int pos_mod(int a, int b) { return ((a % b) + b) % b; }

constexpr int kTileW = 32, kTileH = 32, kTileThreadsY = 8;

// Input rows (or columns) a kTile-long run of outputs reads, with the taps of a kernel of length k.
int tile_input_extent(int tile, int down, int k, int up) { return ((tile - 1) * down + k - 1) / up + 2; }

// NCHW upfirdn2d with shared-memory tiling: a block stages the input window of a 32x32 output tile
// (zero outside the image, in the accumulation type) and the kernel taps, then each thread computes
// 4 outputs from shared memory with no bounds checks. The z dimension loops over (n, c) planes.
template <typename scalar_t, typename acc_t>
__global__ void upfirdn2d_tiled_kernel(const scalar_t* __restrict__ x, const acc_t* __restrict__ k,
                                       scalar_t* __restrict__ y, Strides4 xs, Strides4 ys,
                                       int N, int C, int H, int W, int Ho, int Wo, int kh, int kw,
                                       int up_x, int up_y, int down_x, int down_y, int pad_x0, int pad_y0,
                                       int tile_in_h, int tile_in_w) {
    extern __shared__ unsigned char smem_raw[];
    acc_t* taps = reinterpret_cast<acc_t*>(smem_raw);
    acc_t* tile = taps + kh * kw;
    const int tid = threadIdx.y * blockDim.x + threadIdx.x, n_threads = blockDim.x * blockDim.y;
    for (int i = tid; i < kh * kw; i += n_threads) taps[i] = k[i];
    const int ox0 = blockIdx.x * kTileW, oy0 = blockIdx.y * kTileH;
    const int base_y = floor_div(oy0 * down_y - pad_y0, up_y);
    const int base_x = floor_div(ox0 * down_x - pad_x0, up_x);
    const int ox = ox0 + threadIdx.x;
    const int mx = ox * down_x - pad_x0;
    const int sx0 = pos_mod(-mx, up_x);
    const int lx0 = (mx + sx0) / up_x - base_x;
    for (int z = blockIdx.z; z < N * C; z += gridDim.z) {
        const int n = z / C, c = z - n * C;
        const scalar_t* xp = x + n * xs.n + c * xs.c;
        __syncthreads();  // the previous plane's tile is no longer read
        for (int i = tid; i < tile_in_h * tile_in_w; i += n_threads) {
            const int ly = i / tile_in_w, lx = i - ly * tile_in_w;
            const int iy = base_y + ly, ix = base_x + lx;
            tile[i] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? static_cast<acc_t>(xp[iy * xs.h + ix * xs.w]) : acc_t(0);
        }
        __syncthreads();
        if (ox >= Wo) continue;
        for (int r = threadIdx.y; r < kTileH; r += kTileThreadsY) {
            const int oy = oy0 + r;
            if (oy >= Ho) break;
            const int my = oy * down_y - pad_y0;
            const int sy0 = pos_mod(-my, up_y);
            int ly = (my + sy0) / up_y - base_y;
            acc_t acc = 0;
            for (int sy = sy0; sy < kh; sy += up_y, ++ly) {
                const acc_t* krow = taps + (kh - 1 - sy) * kw + (kw - 1);
                const acc_t* trow = tile + ly * tile_in_w;
                int lx = lx0;
                for (int sx = sx0; sx < kw; sx += up_x, ++lx) acc += trow[lx] * krow[-sx];
            }
            y[n * ys.n + c * ys.c + oy * ys.h + ox * ys.w] = static_cast<scalar_t>(acc);
        }
    }
}

constexpr int64_t kActLinear = 0;
constexpr int64_t kActLrelu = 1;

// y = act(x + b[c]) * gain, with c = (i / inner) % C in memory order.
// NCHW: grid y over the (n, c) planes, x over the H*W elements of a plane; one bias per plane.
template <typename scalar_t, typename acc_t>
__global__ void bias_act_planes_kernel(const scalar_t* __restrict__ x, const scalar_t* __restrict__ b,
                                       scalar_t* __restrict__ y, int64_t planes, int64_t plane_size, int C,
                                       int64_t act, acc_t alpha, acc_t gain) {
    for (int64_t p = blockIdx.y; p < planes; p += gridDim.y) {
        const acc_t bias = b != nullptr ? static_cast<acc_t>(b[p % C]) : acc_t(0);
        const scalar_t* xp = x + p * plane_size;
        scalar_t* yp = y + p * plane_size;
        for (int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; j < plane_size;
             j += (int64_t)blockDim.x * gridDim.x) {
            acc_t v = static_cast<acc_t>(xp[j]) + bias;
            if (act == kActLrelu && !(v > acc_t(0))) v *= alpha;
            yp[j] = static_cast<scalar_t>(v * gain);
        }
    }
}

// channels_last and 2-d tensors: channel fastest; the channel index is stepped with the element index.
template <typename scalar_t, typename acc_t>
__global__ void bias_act_flat_kernel(const scalar_t* __restrict__ x, const scalar_t* __restrict__ b,
                                     scalar_t* __restrict__ y, int64_t total, int C,
                                     int64_t act, acc_t alpha, acc_t gain) {
    const int64_t start = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
    const int64_t stride = (int64_t)blockDim.x * gridDim.x;
    const int c_step = (int)(stride % C);
    int c = (int)(start % C);
    for (int64_t i = start; i < total; i += stride) {
        acc_t v = static_cast<acc_t>(x[i]);
        if (b != nullptr) v += static_cast<acc_t>(b[c]);
        if (act == kActLrelu && !(v > acc_t(0))) v *= alpha;
        y[i] = static_cast<scalar_t>(v * gain);
        c += c_step;
        if (c >= C) c -= C;
    }
}

// dx = grad * gain * act'(pre-activation); for leaky ReLU the slope is read off the sign of y.
template <typename scalar_t, typename acc_t>
__global__ void bias_act_grad_kernel(const scalar_t* __restrict__ g, const scalar_t* __restrict__ y,
                                     scalar_t* __restrict__ out, int64_t total, int64_t act,
                                     acc_t alpha, acc_t gain) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)blockDim.x * gridDim.x) {
        acc_t slope = gain;
        if (act == kActLrelu && !(static_cast<acc_t>(y[i]) > acc_t(0))) slope *= alpha;
        out[i] = static_cast<scalar_t>(static_cast<acc_t>(g[i]) * slope);
    }
}

// Memory layout shared by an input and the output made for it.
bool is_channels_last(const torch::Tensor& t) {
    return t.dim() == 4 && !t.is_contiguous() && t.is_contiguous(at::MemoryFormat::ChannelsLast);
}

torch::Tensor dense(const torch::Tensor& t) {
    return (t.is_contiguous() || is_channels_last(t)) ? t : t.contiguous();
}

}  // namespace

torch::Tensor upfirdn2d_cuda(const torch::Tensor& x_in, const torch::Tensor& kernel,
                             int64_t up_x, int64_t up_y, int64_t down_x, int64_t down_y,
                             int64_t pad_x0, int64_t pad_x1, int64_t pad_y0, int64_t pad_y1) {
    TORCH_CHECK(x_in.is_cuda() && x_in.dim() == 4, "upfirdn2d: x must be a 4-d CUDA tensor");
    TORCH_CHECK(kernel.dim() == 2, "upfirdn2d: kernel must be 2-d");
    TORCH_CHECK(up_x >= 1 && up_y >= 1 && down_x >= 1 && down_y >= 1, "upfirdn2d: factors must be >= 1");
    const at::cuda::CUDAGuard guard(x_in.device());
    const torch::Tensor x = dense(x_in);
    const auto acc_type = x.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat32;
    const torch::Tensor k = kernel.to(x.device(), acc_type).contiguous();
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const int64_t kh = k.size(0), kw = k.size(1);
    const int64_t Ho = (H * up_y + pad_y0 + pad_y1 - kh) / down_y + 1;
    const int64_t Wo = (W * up_x + pad_x0 + pad_x1 - kw) / down_x + 1;
    TORCH_CHECK(Ho >= 1 && Wo >= 1, "upfirdn2d: padding and kernel leave an empty output");
    const bool cl = is_channels_last(x);
    torch::Tensor y = torch::empty({N, C, Ho, Wo}, x.options().memory_format(
        cl ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
    const int64_t total = y.numel();
    if (total == 0) return y;
    TORCH_CHECK(N * C < INT_MAX && N * Ho < INT_MAX && H < INT_MAX && W < INT_MAX, "upfirdn2d: tensor too large");
    const dim3 block(32, 8);
    const int64_t a_count = cl ? C : Wo, b_count = cl ? Wo : Ho, z_count = cl ? N * Ho : N * C;
    const dim3 grid((a_count + 31) / 32, (b_count + 7) / 8, std::min<int64_t>(z_count, 65535));
    TORCH_CHECK(grid.y <= 65535, "upfirdn2d: output too large");
    auto stream = at::cuda::getCurrentCUDAStream();
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "upfirdn2d_cuda", [&] {
        using acc_t = at::opmath_type<scalar_t>;
        auto launch = [&](auto kernel_fn) {
            kernel_fn<<<grid, block, 0, stream>>>(
                x.data_ptr<scalar_t>(), k.data_ptr<acc_t>(), y.data_ptr<scalar_t>(),
                strides_of(x), strides_of(y), (int)N, (int)C, (int)H, (int)W, (int)Ho, (int)Wo, (int)kh, (int)kw,
                (int)up_x, (int)up_y, (int)down_x, (int)down_y, (int)pad_x0, (int)pad_y0);
        };
        const int tile_in_h = tile_input_extent(kTileH, (int)down_y, (int)kh, (int)up_y);
        const int tile_in_w = tile_input_extent(kTileW, (int)down_x, (int)kw, (int)up_x);
        const size_t smem = sizeof(acc_t) * (kh * kw + (size_t)tile_in_h * tile_in_w);
        if (cl) launch(upfirdn2d_kernel<scalar_t, acc_t, true>);
        else if (smem <= 48 * 1024) {
            const dim3 tgrid((Wo + kTileW - 1) / kTileW, (Ho + kTileH - 1) / kTileH, std::min<int64_t>(N * C, 65535));
            upfirdn2d_tiled_kernel<scalar_t, acc_t><<<tgrid, dim3(kTileW, kTileThreadsY), smem, stream>>>(
                x.data_ptr<scalar_t>(), k.data_ptr<acc_t>(), y.data_ptr<scalar_t>(), strides_of(x), strides_of(y),
                (int)N, (int)C, (int)H, (int)W, (int)Ho, (int)Wo, (int)kh, (int)kw, (int)up_x, (int)up_y,
                (int)down_x, (int)down_y, (int)pad_x0, (int)pad_y0, tile_in_h, tile_in_w);
        }
        else launch(upfirdn2d_kernel<scalar_t, acc_t, false>);  // windows too large for shared memory
    });
    C10_CUDA_KERNEL_LAUNCH_CHECK();
    return y;
}

torch::Tensor bias_act_cuda(const torch::Tensor& x_in, const torch::Tensor& bias,
                            int64_t act, double alpha, double gain) {
    TORCH_CHECK(x_in.is_cuda(), "bias_act: x must be a CUDA tensor");
    TORCH_CHECK(act == kActLinear || act == kActLrelu, "bias_act: unknown activation code");
    const at::cuda::CUDAGuard guard(x_in.device());
    const torch::Tensor x = dense(x_in);
    const bool has_bias = bias.numel() > 0;
    const int64_t C = x.dim() >= 2 ? x.size(1) : 1;
    if (has_bias) TORCH_CHECK(bias.dim() == 1 && bias.size(0) == C, "bias_act: bias must have x.size(1) elements");
    const torch::Tensor b = has_bias ? bias.to(x.scalar_type()).contiguous() : bias;
    torch::Tensor y = torch::empty_like(x);
    const int64_t total = x.numel();
    if (total == 0) return y;
    TORCH_CHECK(C < INT_MAX, "bias_act: too many channels");
    const bool planes = x.dim() > 2 && !is_channels_last(x);
    auto stream = at::cuda::getCurrentCUDAStream();
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "bias_act_cuda", [&] {
        using acc_t = at::opmath_type<scalar_t>;
        const scalar_t* bp = has_bias ? b.data_ptr<scalar_t>() : nullptr;
        if (planes) {
            const int64_t n_planes = x.size(0) * C, plane_size = total / n_planes;
            const dim3 grid(std::min<int64_t>((plane_size + kThreads - 1) / kThreads, 1024), std::min<int64_t>(n_planes, 65535));
            bias_act_planes_kernel<scalar_t, acc_t><<<grid, kThreads, 0, stream>>>(
                x.data_ptr<scalar_t>(), bp, y.data_ptr<scalar_t>(), n_planes, plane_size, (int)C, act, (acc_t)alpha, (acc_t)gain);
        } else {
            bias_act_flat_kernel<scalar_t, acc_t><<<blocks_for(total), kThreads, 0, stream>>>(
                x.data_ptr<scalar_t>(), bp, y.data_ptr<scalar_t>(), total, (int)C, act, (acc_t)alpha, (acc_t)gain);
        }
    });
    C10_CUDA_KERNEL_LAUNCH_CHECK();
    return y;
}

torch::Tensor bias_act_grad_cuda(const torch::Tensor& grad_in, const torch::Tensor& y_in,
                                 int64_t act, double alpha, double gain) {
    TORCH_CHECK(grad_in.is_cuda() && y_in.is_cuda(), "bias_act_grad: tensors must be on CUDA");
    TORCH_CHECK(grad_in.sizes() == y_in.sizes(), "bias_act_grad: grad and y differ in shape");
    const at::cuda::CUDAGuard guard(grad_in.device());
    // grad and y must share one memory order: use y's.
    const torch::Tensor y = dense(y_in);
    const torch::Tensor g = grad_in.to(y.scalar_type()).contiguous(
        is_channels_last(y) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
    torch::Tensor out = torch::empty_like(y);
    const int64_t total = y.numel();
    if (total == 0) return out;
    auto stream = at::cuda::getCurrentCUDAStream();
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, y.scalar_type(), "bias_act_grad_cuda", [&] {
        using acc_t = at::opmath_type<scalar_t>;
        bias_act_grad_kernel<scalar_t, acc_t><<<blocks_for(total), kThreads, 0, stream>>>(
            g.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), total, act,
            (acc_t)alpha, (acc_t)gain);
    });
    C10_CUDA_KERNEL_LAUNCH_CHECK();
    return out;
}
