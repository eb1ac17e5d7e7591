//! Optimiser trajectories compared with PyTorch.
//!
//! Problem: w = [1.0, -2.0, 0.5], loss = sum(w⁴)/4 + sum(w²) (so grad = w³ + 2w),
//! gradients computed with Myelin's backward, ten steps. The expected values were
//! produced with PyTorch 2.x (torch.optim, CPU, float64) by this snippet:
//!
//! ```python
//! import torch
//! def run(make, dtype=torch.float64, steps=10):
//!     w = torch.tensor([1.0, -2.0, 0.5], dtype=dtype, requires_grad=True)
//!     opt = make([w]); out = []
//!     for _ in range(steps):
//!         opt.zero_grad()
//!         loss = (w**4).sum()/4 + (w**2).sum()
//!         loss.backward(); opt.step()
//!         out.append(w.detach().clone().tolist())
//!     return out
//! o = run(lambda p: torch.optim.SGD(p, lr=0.1))   # etc., see each test
//! print(o[0], o[9])                               # after step 1 and step 10
//! ```

use myelin_nn::optim::*;
use myelin_tensor::{Element, Tensor};

fn run<T: Element>(
    make: impl FnOnce(Vec<Tensor<T>>) -> Box<dyn Optimizer<T>>,
    steps: usize,
) -> Vec<Vec<f64>> {
    let w = Tensor::<T>::from_vec(
        vec![T::from_f64(1.0), T::from_f64(-2.0), T::from_f64(0.5)],
        &[3],
    )
    .unwrap()
    .requires_grad_(true);
    let mut opt = make(vec![w.clone()]);
    let mut out = vec![];
    for _ in 0..steps {
        opt.zero_grad();
        let loss = &w.powi(4).sum().div_scalar(4.0) + &w.square().sum();
        loss.backward().unwrap();
        opt.step().unwrap();
        out.push(w.to_f64_vec());
    }
    out
}

fn check(name: &str, got: &[Vec<f64>], step1: [f64; 3], step10: [f64; 3], tol: f64) {
    for (k, (g, e)) in [(&got[0], step1), (&got[9], step10)]
        .into_iter()
        .enumerate()
    {
        for j in 0..3 {
            assert!(
                (g[j] - e[j]).abs() <= tol,
                "{name}: {} element {j}: got {}, PyTorch {}",
                if k == 0 { "step 1" } else { "step 10" },
                g[j],
                e[j]
            );
        }
    }
}

const TOL: f64 = 1e-6;
// The f64 implementations follow PyTorch's operation order, so they agree far more
// closely than TOL; this tighter bound catches formula slips that TOL would hide.
const TIGHT: f64 = 1e-12;

fn sgd(c: SgdConfig) -> impl FnOnce(Vec<Tensor<f64>>) -> Box<dyn Optimizer<f64>> {
    move |p| Box::new(Sgd::new(p, c).unwrap())
}
fn adam(c: AdamConfig) -> impl FnOnce(Vec<Tensor<f64>>) -> Box<dyn Optimizer<f64>> {
    move |p| Box::new(Adam::new(p, c).unwrap())
}
fn adamw(c: AdamWConfig) -> impl FnOnce(Vec<Tensor<f64>>) -> Box<dyn Optimizer<f64>> {
    move |p| Box::new(AdamW::new(p, c).unwrap())
}
fn rmsprop(c: RmsPropConfig) -> impl FnOnce(Vec<Tensor<f64>>) -> Box<dyn Optimizer<f64>> {
    move |p| Box::new(RmsProp::new(p, c).unwrap())
}
fn adagrad(c: AdagradConfig) -> impl FnOnce(Vec<Tensor<f64>>) -> Box<dyn Optimizer<f64>> {
    move |p| Box::new(Adagrad::new(p, c).unwrap())
}

#[test]
fn sgd_plain() {
    // torch.optim.SGD(p, lr=0.1)
    let o = run(sgd(SgdConfig::new(0.1)), 10);
    let s1 = [0.7, -0.7999999999999999, 0.3875];
    let s10 = [
        0.0807633737141644,
        -0.08858500086391449,
        0.049494903720882825,
    ];
    check("sgd_plain", &o, s1, s10, TOL);
    check("sgd_plain", &o, s1, s10, TIGHT);
}

#[test]
fn sgd_momentum_dampening_first_step_buffer_is_raw_grad() {
    // torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.3)
    // Step 1 is w − lr·g (buffer = g, undampened): 1 − 0.05·3 = 0.85.
    let o = run(sgd(SgdConfig::new(0.05).momentum(0.9).dampening(0.3)), 10);
    let s1 = [0.85, -1.4, 0.44375];
    let s10 = [-0.6239813093449663, 0.5719219357147725, -0.2868676285544546];
    check("sgd_momentum_dampening", &o, s1, s10, TIGHT);
}

#[test]
fn sgd_nesterov_weight_decay() {
    // torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)
    let o = run(
        sgd(SgdConfig::new(0.05)
            .momentum(0.9)
            .nesterov(true)
            .weight_decay(0.1)),
        10,
    );
    let s1 = [0.7054999999999999, -0.841, 0.38837499999999997];
    let s10 = [
        -0.27160741488549184,
        0.10674116312122413,
        -0.15861800120267255,
    ];
    check("sgd_nesterov_wd", &o, s1, s10, TIGHT);
}

#[test]
fn sgd_nesterov_weight_decay_f32() {
    // Same as above with dtype=torch.float32.
    let o = run::<f32>(
        |p| {
            Box::new(
                Sgd::new(
                    p,
                    SgdConfig::new(0.05)
                        .momentum(0.9)
                        .nesterov(true)
                        .weight_decay(0.1),
                )
                .unwrap(),
            )
        },
        10,
    );
    let s1 = [0.7055000066757202, -0.8410000801086426, 0.38837501406669617];
    let s10 = [
        -0.2716073989868164,
        0.10674124211072922,
        -0.15861795842647552,
    ];
    check("sgd_nesterov_wd_f32", &o, s1, s10, 1e-6);
}

#[test]
fn sgd_maximize() {
    // torch.optim.SGD(p, lr=0.001, momentum=0.5, maximize=True)
    let o = run(sgd(SgdConfig::new(0.001).momentum(0.5).maximize(true)), 10);
    let s1 = [1.003, -2.012, 0.501125];
    let s10 = [1.0558710711499342, -2.2384154865978854, 0.5206291427873473];
    check("sgd_maximize", &o, s1, s10, TIGHT);
}

#[test]
fn adam_default() {
    // torch.optim.Adam(p, lr=0.1)
    let o = run(adam(AdamConfig::new(0.1)), 10);
    let s1 = [0.9000000003333333, -1.9000000000833333, 0.4000000008888889];
    let s10 = [
        0.10512492743975398,
        -1.060485176468788,
        -0.20277078511884739,
    ];
    check("adam_default", &o, s1, s10, TIGHT);
}

#[test]
fn adam_l2_weight_decay() {
    // torch.optim.Adam(p, lr=0.1, weight_decay=0.1)
    let o = run(adam(AdamConfig::new(0.1).weight_decay(0.1)), 10);
    let s1 = [0.9000000003225807, -1.9000000000819672, 0.4000000008510638];
    let s10 = [
        0.10400660452903725,
        -1.0597010375922227,
        -0.20281010862221124,
    ];
    check("adam_wd", &o, s1, s10, TIGHT);
}

#[test]
fn adam_amsgrad() {
    // torch.optim.Adam(p, lr=0.1, betas=(0.9, 0.5), amsgrad=True)
    // (Without amsgrad the same betas end at [-0.3738, -0.7852, -0.2806], so the
    // running maximum matters here.)
    let o = run(adam(AdamConfig::new(0.1).betas(0.9, 0.5).amsgrad(true)), 10);
    let s1 = [0.9000000003333333, -1.9000000000833333, 0.4000000008888889];
    let s10 = [
        0.1833042160988337,
        -1.1093233379644927,
        -0.14247542234611027,
    ];
    check("adam_amsgrad", &o, s1, s10, TIGHT);
    let plain = run(adam(AdamConfig::new(0.1).betas(0.9, 0.5)), 10);
    let s10_plain = [
        -0.37379160004949685,
        -0.7851713282904662,
        -0.28056181226478216,
    ];
    check("adam_betas", &plain, s1, s10_plain, TIGHT);
}

#[test]
fn adam_amsgrad_f32() {
    // Same as adam_amsgrad with dtype=torch.float32.
    let o = run::<f32>(
        |p| Box::new(Adam::new(p, AdamConfig::new(0.1).betas(0.9, 0.5).amsgrad(true)).unwrap()),
        10,
    );
    let s1 = [0.8999999761581421, -1.899999976158142, 0.4000000059604645];
    let s10 = [0.18330413103103638, -1.109323263168335, -0.142475426197052];
    check("adam_amsgrad_f32", &o, s1, s10, 1e-6);
}

#[test]
fn adam_maximize_eps() {
    // torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.9), eps=1e-3, maximize=True)
    let o = run(
        adam(
            AdamConfig::new(0.01)
                .betas(0.8, 0.9)
                .eps(1e-3)
                .maximize(true),
        ),
        10,
    );
    let s1 = [1.0099966677774075, -2.0099991667361055, 0.5099911190053286];
    let s10 = [1.1004776734852353, -2.1003593840208894, 0.6006159450505717];
    check("adam_maximize", &o, s1, s10, TIGHT);
}

#[test]
fn adamw_default_decay() {
    // torch.optim.AdamW(p, lr=0.1)   (weight_decay defaults to 0.01)
    let o = run(adamw(AdamWConfig::new(0.1)), 10);
    let s1 = [0.8990000003333334, -1.8980000000833332, 0.3995000008888889];
    let s10 = [0.100644782808761, -1.0463539719842525, -0.20234870566473506];
    check("adamw_default", &o, s1, s10, TIGHT);
}

#[test]
fn adamw_weight_decay_amsgrad() {
    // torch.optim.AdamW(p, lr=0.1, betas=(0.8, 0.6), weight_decay=0.5, amsgrad=True)
    let o = run(
        adamw(
            AdamWConfig::new(0.1)
                .betas(0.8, 0.6)
                .weight_decay(0.5)
                .amsgrad(true),
        ),
        10,
    );
    let s1 = [0.8500000003333332, -1.8000000000833332, 0.37500000088888885];
    let s10 = [
        0.056402721650698304,
        -0.620965493040573,
        -0.08943959721524339,
    ];
    check("adamw_wd_amsgrad", &o, s1, s10, TIGHT);
}

#[test]
fn rmsprop_default() {
    // torch.optim.RMSprop(p, lr=0.01)
    let o = run(rmsprop(RmsPropConfig::new(0.01)), 10);
    let s1 = [0.9000000033333333, -1.9000000008333333, 0.40000000888888815];
    let s10 = [0.5730647683147434, -1.549194730056099, 0.1274855862072972];
    check("rmsprop_default", &o, s1, s10, TIGHT);
}

#[test]
fn rmsprop_centered_momentum_weight_decay() {
    // torch.optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True, momentum=0.9, weight_decay=0.1)
    let o = run(
        rmsprop(
            RmsPropConfig::new(0.01)
                .alpha(0.9)
                .centered(true)
                .momentum(0.9)
                .weight_decay(0.1),
        ),
        10,
    );
    let s1 = [0.9666666670250896, -1.9666666667577413, 0.46666666761229314];
    let s10 = [
        0.19717154238940082,
        -1.1445172665824912,
        -0.16949311289453795,
    ];
    check("rmsprop_centered", &o, s1, s10, TIGHT);
}

#[test]
fn rmsprop_momentum_eps() {
    // torch.optim.RMSprop(p, lr=0.02, alpha=0.8, eps=1e-4, momentum=0.5)
    let o = run(
        rmsprop(RmsPropConfig::new(0.02).alpha(0.8).eps(1e-4).momentum(0.5)),
        10,
    );
    let s1 = [0.9552819735349041, -1.9552794737678096, 0.4552875275724744];
    let s10 = [0.5645929437327568, -1.546847559615609, 0.10847369476822617];
    check("rmsprop_momentum", &o, s1, s10, TIGHT);
}

#[test]
fn adagrad_default() {
    // torch.optim.Adagrad(p, lr=0.1)
    let o = run(adagrad(AdagradConfig::new(0.1)), 10);
    let s1 = [0.9000000000033334, -1.9000000000008332, 0.4000000000088889];
    let s10 = [0.5767445737381939, -1.5531454277611996, 0.13018153130558943];
    check("adagrad_default", &o, s1, s10, TIGHT);
}

#[test]
fn adagrad_all_options() {
    // torch.optim.Adagrad(p, lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5,
    //                     weight_decay=0.1, eps=1e-3)
    let o = run(
        adagrad(
            AdagradConfig::new(0.1)
                .lr_decay(0.05)
                .initial_accumulator_value(0.5)
                .weight_decay(0.1)
                .eps(1e-3),
        ),
        10,
    );
    let s1 = [0.9025348061927357, -1.900175712204929, 0.41438099227445035];
    let s10 = [0.6273275736445612, -1.6060660664231605, 0.18314121198292627];
    check("adagrad_all", &o, s1, s10, TIGHT);
}
