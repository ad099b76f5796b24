/** Help texts: the main page lists every command and every option; each command has its own page. */
import { OPTIONS, COMMAND_OPTIONS, type Command, type OptionName } from './args';

const EXIT_CODES = `exit codes:
  0  every law holds (proved or numerically verified)
  1  a law was refuted
  2  usage, input, path or I/O error (one line naming what and where)
  3  internal error (a bug in noether)
  4  inconclusive: nothing refuted, but at least one law could not be decided`;

function optionLines(names: readonly OptionName[]): string {
  return names
    .map((n) => {
      const o = OPTIONS[n];
      const head = `${'short' in o ? `-${o.short}, ` : '    '}--${n}${'arg' in o ? ` ${o.arg}` : ''}`;
      return `  ${head.padEnd(24)}${o.help}`;
    })
    .join('\n');
}

const MAIN = () => `noether — derive and verify the laws a loss symmetry implies for training

usage: noether <command> [options]
       noether help <command>      noether --version

commands:
  list                       the built-in catalog of symmetries
  derive <name|file|->...    derive generator, gradient and Hessian constraints and the charge
                             (--rule R: how the learning rule R moves the charge)
  check <name|file|->...     check every derived law on sampled networks at the symmetry's sites
                             (--rule R: the rule's laws on SGD/momentum/Adam trajectories)
  scan <arch>                list the symmetry sites of an architecture and their laws
  laws <name|file> | --arch SPEC
                             count every conservation law of gradient flow, find them, prove
                             the list complete, and the linear symmetries behind them
  export <name|file> --to T  the charge as a Python module over a network's named parameters
                             (numpy, pytorch with a training monitor, sympy)
  report <name|file>... -o F an HTML report: the derivation typeset, every verdict, and plots of
                             each charge measured along real training runs against its law
  teleport <name|file>       climb ‖∇L‖² along the symmetry's orbit (loss unchanged), then descend:
                             iterations to a loss threshold with and without teleports, per seed
  prove <id>... | --all      print the certificate of a theorem (see 'noether prove --list')
  recipe <penalty>           the reparametrisation + weight decay that induce a penalty (l1, group,
                             nuclear, …), the equivalence of minima proved, and checked by training

options (each command takes the ones its help lists):
${optionLines(Object.keys(OPTIONS) as OptionName[])}

'-' reads a declaration from standard input. Several inputs give one report each; the exit code
is the worst. Colours on a terminal (NO_COLOR turns them off).

${EXIT_CODES}`;

const PAGES: Readonly<Record<Command, string>> = {
  list: `usage: noether list [--format text|json]

Lists the built-in catalog (declaration files in the package's catalog/ folder).`,
  derive: `usage: noether derive <name|file|->... [--format text|latex|markdown|json] [--seed N] [--runs N] [--rule R]

Derives, from the declared action alone, the generator, the gradient constraint, the Hessian
constraint and the gradient-flow charge (or what obstructs one), each with a verdict:
proved, numerically verified (count, worst residual, seed), refuted (counterexample) or
inconclusive (reason). <name> is a catalog entry ('noether list'); <file> a YAML or JSON
declaration; '-' reads one from standard input. --seed fixes every random point (default 1);
--runs sets the number of random points per check (default 48). --format latex writes ASCII LaTeX
(pdflatex takes it); --standalone makes it a whole document, with a bibliography.

--rule R derives how a learning rule moves the charge instead, e.g.
  sgd(lr=eta, wd=lambda)        exact one-step recursion (any minibatch)
  momentum(lr=eta, beta=beta, dampening=d, wd=lambda)
  gf(wd=lambda)   precond(lr=eta, wd=lambda)   adam(lr=eta, beta1=b1, beta2=b2, eps=e, wd=lambda)
Values are symbols or numbers (lr=0.1); nonsense values (lr ≤ 0, β ≥ 1, …) are refused.
The output ends with the rule's Lagrangian view: its continuous form as an Euler–Lagrange equation
(the damping as a time factor e^{kt}; a Rayleigh dissipation for first-order flows) and Noether's
learning dynamics of the charge, each identity proved by the exact normal form.`,
  check:
    `usage: noether check <name|file|->... [--arch SPEC | --model FILE.onnx [--weights]] [--site KIND] ` +
    `[--runs N] [--seed S] [--format text|latex|markdown|json] [--replay PATH] ` +
    `[--save-case FILE.json] [--jobs N|auto] [--flow N] [--progress]

Samples networks (fast-check) on which the symmetry acts, at every site kind the declaration
names, and evaluates each derived law with exact float64 gradients and Hessian-vector products:
the gradient constraint, the Hessian constraint and the charge's conservation (dQ/dt = 0 under
gradient flow), each to a relative residual of 1e-10. --runs is networks per site kind (default
100). Then the charge is followed along gradient flow itself, integrated (adaptive RK45, rtol
1e-10) from --flow networks per site kind (default 3; 0: none): a drift within the integrator's
error (1e-10 per step) is verified, a thousand times that refuted, in between inconclusive.
A failure prints a replay command that reproduces the exact case. The same seed gives the
same output, whatever --jobs (threads for the sampled networks and graph models of a check).
SPEC fixes parts of the architecture, e.g. relu:ce or 4-8-8-3:leaky:batch+affine.
Graph site kinds (attention-qk, attention-vo, key-bias, conv-channel, normalised-channel, residual-unit,
…) are sampled on transformer blocks, CNNs and residual MLPs; SPEC fixes parts of those too:
transformer:t<tokens>:d<dim>:h<heads>x<head dim>:f<mlp width>:n<batch>:o<outputs>, causal|nocausal,
layernorm|nonorm, relu|gelu|tanh, ce|mse (e.g. transformer:t8:d16:h2x4:causal), or
cnn:<C>x<H>x<W>:c<channels>k<kernel>s<stride>[p<pad>] (one per conv), bn|bn+affine|nobn, p<pool k>,
r<residual blocks>, n<batch>:o<outputs>, relu|leaky|linear|tanh, ce|mse (e.g. cnn:1x8x8:c4k3s1:c8k3s2:bn), or
residual:i<inputs>:d<width>:f<branch width>:b<blocks>:n<batch>:o<outputs>, relu|leaky|linear|tanh,
ce|mse (e.g. residual:i4:d8:b2).
At augmented-input sites the data are N rotated copies of a batch, N = max(8, 2k^H + 1) for H
hidden layers of z^k (linear: k = 1), which makes the loss exactly invariant: e.g. --arch 2-4-1:poly2.
For a concrete declaration, check evaluates every law at --runs random points; for a concrete
mirror it also compares the predicted attraction threshold with what gradient descent does on
--runs sampled data sets (default 50) and prints the agreement rate. For a block-level mirror the
threshold experiment and the noise criterion run on 50 sampled networks after the laws hold.
Mirrors at graph sites (head-swap at head-pair; unit-swap, unit-sign-flip also at channel-pair,
odd-channel) are checked on transformer blocks and CNNs, the threshold experiment on 10 small ones.
With --rule R (see 'noether derive --help'), check runs the rule on --runs networks per site kind
(default 10) for --steps steps (default 100) with a random minibatch each step, and checks the
derived per-step laws at every step — on MLP sites, and on graph models (transformer blocks, CNNs,
residual MLPs) where --arch names one, --site picks a graph site kind or the declaration has only
those; the convergence orders of the continuous forms are measured on a smooth 3-4-3 MLP at the first
MLP site kind, or on what --arch and --site fix; --export
FILE.csv|.json writes the first trajectory (charge observed vs predicted). At a scale site under
sgd, the effective learning rate η/ρ²_k of the first trajectory is compared with the exact
recursion run forward from ρ²_0 and with the RMSProp-like second moment.
--model FILE.onnx samples networks of the model's architecture; with --weights the laws are checked
at the model's own weights (batches and sites sampled). --save-case FILE.json writes a refuted
law's network (parameters by tensor name, batch, site) for replay outside the toolkit.
A --model holding a CNN or a transformer block (PyTorch exports: Conv [BatchNorm] act [AveragePool]
..., global average pool, Linear; or attention, [LayerNorm], MLP, mean, Linear) fixes the shape of
the sampled graph models (its --arch cnn:…/transformer:… spec); a shape they lack (BatchNorm,
pooling) is refused.
Progress goes to stderr after about 2 s when it is a terminal (--progress: always).`,
  scan: `usage: noether scan <arch|model.onnx> [--sites] [--format text|latex|markdown|json]

Lists the symmetry sites of an architecture (widths required), e.g.
  noether scan 4-8-8-3:relu:ce        noether scan 3-5-2:linear:mse        noether scan 4-6-3:tanh:batch+affine
with the catalog symmetries that act there and their laws. Sites are counted by layer (a layer of
n units has n(n-1)/2 unit pairs); --sites lists every one (at most 100000). A model.onnx (a
PyTorch nn.Sequential export) is scanned as its architecture, with the tensor (its state_dict key)
of every block and the tensors each site reads. Graph models are scanned from their specs (what a
spec leaves out is defaulted; see 'noether help check' for the tokens), e.g.
  noether scan transformer:t4:d8:h2x4        noether scan cnn:1x8x8:c4k3s1:c8k3s2:bn
  noether scan residual:i4:d8:f16:b2`,
  laws:
    'usage: noether laws --arch SPEC | --model FILE.onnx | <name|file|->... [--momentum] [--degree N] [--seed N] ' +
    `[--format text|latex|markdown|json]

Counts the conservation laws gradient flow has for every loss and every data set, and finds them.
The generating fields are the gradients of the polynomials the model depends on its parameters
through: for --arch, the network's outputs over all inputs (linear and poly<k> at any depth; relu
and leaky through their activation regions, exactly with one hidden layer, sampled at a point with
more; biases unless nobias); for a concrete declaration, its loss over all values of its data (the
loss must be a polynomial). Then:
  upper bound  D − rank of the Lie algebra the fields generate, at a random point modulo a prime
               (never below the true count)
  laws         polynomial laws of degree ≤ N (default 2), each proved exactly over the rationals,
               reduced to a functionally independent set
  complete     when the two meet (exit 0); otherwise the gap and its reason (exit 4)
and the linear symmetries X = Aθ + b of the model (discovered, not declared), with the charges of
those with symmetric A and which laws they explain. --momentum counts instead the laws of heavy-ball
momentum θ̈ + θ̇ = −∇L: functions of (θ, v = θ̇, s = e^t), so they may depend on time (default degree 3).
--arch attention:d<dim>:h<heads>x<head dim>[:bias|:nobias] takes one self-attention layer (no biases
unless :bias) through W_Q,hᵀW_K,h and W_O,hW_V,h per head; d ≤ 16, heads ≤ 8, head dim ≤ 16, D ≤ 1200.
For example
  noether laws --arch 4-3-5:linear        noether laws --arch 4-3-5:relu        noether laws examples/shear.yaml
  noether laws --arch attention:d4:h2x2`,
  export:
    'usage: noether export <name|file|-> (--arch SPEC | --model FILE.onnx) --to numpy|pytorch|sympy ' +
    `[-o FILE]

Writes the charge of a block-level symmetry on one network as a Python module (stdout, or FILE):
  numpy, pytorch  sites(P) (every site as slices of the named tensors: a PyTorch model's
                  named_parameters() / state_dict keys, read from the model), charge(),
                  charges(P), drive()/drives(G) and predict_sgd() (SGD's exact recursion, any
                  minibatch), predict_flow() (gradient flow with weight decay), momentum_rate() and
                  predict_momentum() (the damped, driven oscillator of heavy-ball momentum),
                  load_case()/save_npz() (a case saved by check --save-case); the coefficients
                  are the derived ones, the statements and their LaTeX in the docstrings
  pytorch         also attach(model, optimizer, path, every): logs each charge, its prediction
                  from its initial value and their relative gap to CSV while the optimizer trains
                  (SGD: exact recursion; SGD with momentum: the oscillator; others: none)
  sympy           the charge and the generator over matrices of symbols shaped as one site's
                  roles; gradient_is_generator() re-derives ∇Q = X
Without --model, the parameter names are those of the nn.Sequential that builds the --arch network
(Linear, [BatchNorm1d | LayerNorm], activation, …): 0.weight, 0.bias, …
For example
  noether export rescale --arch 4-8-3:relu:ce --to pytorch -o charges.py`,
  report: `usage: noether report <name|file>... -o FILE.html [--rule R] [--arch SPEC | --model FILE.onnx [--loss L]]
       [--data iris|penguins]
       [--steps N] [--batch N] [--runs N] [--seed N] [--progress]

Writes one self-contained HTML page (no network needed to view it): for each symmetry its
declaration, the derivation typeset (KaTeX), every verdict with its evidence (derive, check on
--runs sampled networks per site kind, default 10, and with --rule the trajectory check), and SVG
plots. For a block-level symmetry with a charge, the network --arch (default 4-16-16-3:relu:ce; 4
inputs and 3 classes, as both data sets have), or --model's network from its own weights, is
trained on a real data set (--data, default iris) with the rule R (numeric hyper-parameters;
default sgd(lr=0.1, wd=0.001)), full batch and in minibatches of --batch rows (default 16), for
--steps steps (default 200): each charge is measured at every step and plotted against the derived
law run forward from its initial value (gradient flow: e^(-rate t) Q0; SGD: the exact recursion,
driven by each step's measured gradient; momentum: the oscillator, or a linear charge's exact
two-step recursion), per site and summed per layer, with the relative gap; with the convergence
orders of the continuous forms; for a mirror, the predicted threshold against observed collapse.
Each plot's rows are written next to the page as FILE.<plot>.csv, with a metadata header.

The exit code is the weakest verdict of everything the report decided.`,
  teleport: `usage: noether teleport <name|file|-> [--arch SPEC] [--data iris|penguins] [--rule R] [--seed N]
       [--runs N] [--steps N] [--every K] [--format text|json]

Symmetry teleportation along a block-level symmetry's orbit. Every site of the declared kinds in the
network --arch (default 4-16-16-3:relu:ce) has its own group parameter a_s; a teleport climbs
‖∇L‖² in them (the direction ⟨H∇L, X_s⟩ from one Hessian-vector product, X_s the derived generator),
applying the declared action itself, up to 3 accepted steps of at most |a_s| = 0.2 each. Then descent
resumes. On --runs seeds (default 10), from the same sampled network on the same data (--data, or 64
sampled rows per seed), plain descent with the rule R (default sgd(lr=0.05); sgd, momentum or adam)
runs --steps steps (default 300) against the same descent with teleports at step 0 and every K steps
(default 50); the threshold is the loss plain descent reaches halfway. Printed: iterations to the
threshold and the speed-up distribution (a measurement), and two laws with verdicts: the loss at
every group element tried equals the loss before (relative 1e-12 of its natural scale; a declaration
that is not a symmetry of the network is refuted with the site and group element, and no teleport is
made), and each charge's jump equals the integral of ⟨X_s, X_t⟩ along the group path (∇Q = X).
For example
  noether teleport rescale --data iris --runs 20        noether teleport scale --arch 4-16-16-3:relu:batch:ce`,
  prove: `usage: noether prove <id>... | --all | --list [--format text|markdown|latex|json] [--seed N]

Prints the certificate of a theorem: its statement, source, and the derivation that proves it.
JSON: one certificate record per theorem (several form a stream of records).`,
  recipe: `usage: noether recipe <penalty> [--lambda MU] [--seed N] [--runs N] [--steps N] [--format text|latex|json]

Derives the reparametrisation w = φ(θ) and the weight decay λ‖θ‖² that induce the penalty μ·P(w):
  l1                 Σ|w_i|                   w = u⊙v, λ = μ/2
  lp(k=K), lp(p=P)   Σ|w_i|^(2/K)             K factors per entry, λ = μ/K
  group(size=G)      Σ_g‖w_g‖ (group lasso)   w_g = s_g·v_g, λ = μ/2
  nuclear            ‖W‖_* (low rank)         W = U Vᵀ, λ = μ/2
  schatten(k=K)      Σσ_i(W)^(2/K)            K matrix factors, λ = μ/K
The family is found by derivation, not by name: φ's rescaling symmetry, its charges (balance), and
the penalty the balanced point costs, each identity proved exactly; a penalty no family induces is
refused. Then the equivalence of minima min L(φ(θ)) + λ‖θ‖² = min L(w) + μP(w) is certified
(attainment exactly; the lower bound exactly or sampled, as stated), and checked on --runs sampled
least-squares problems (default 5; sparse, group-sparse or low-rank, seeded by --seed): gradient
descent on the factors (at most --steps steps, default 200000) against the penalised problem solved
directly (proximal gradient; for exponents < 1, stationarity on the support), with the run without
weight decay alongside. --lambda is μ (default 0.1).
For example
  noether recipe l1        noether recipe 'group(size=3)' --lambda 0.2        noether recipe nuclear`,
};

/** The main help page. */
export const mainHelp = (): string => MAIN();

/** A command's help page, with its options. */
export function commandHelp(c: Command): string {
  return `${PAGES[c]}\n\noptions:\n${optionLines([...COMMAND_OPTIONS[c].options, 'help'])}\n\n${EXIT_CODES}`;
}
