"""Optimizer test problems: their gradients, their answers, and what they teach."""

import numpy as np
import pytest
from scipy import optimize

import probml
from probml import optim
from probml.optim import QuadraticBowl, Rosenbrock, Saddle, TiltedDoubleWell

PROBLEMS = [QuadraticBowl(50.0, dim=3, angle=0.3, minimizer=[1.0, -1.0, 2.0]), Rosenbrock(),
            Saddle(), TiltedDoubleWell()]


def run(opt, problem, start, steps):
    x, state = np.asarray(start, dtype=float), opt.init(np.asarray(start, dtype=float))
    for _ in range(steps):
        updates, state = opt.update(problem.gradient(x), state, x)
        x = optim.apply_updates(x, updates)
    return x


@pytest.mark.parametrize("problem, dim", list(zip(PROBLEMS, [3, 2, 2, 1])),
                         ids=lambda p: type(p).__name__ if not isinstance(p, int) else "")
def test_gradients_match_finite_differences(problem, dim, rng):
    for _ in range(5):
        x = rng.uniform(-2, 2, dim)
        numeric = optimize.approx_fprime(x, problem.value, 1e-7)
        np.testing.assert_allclose(problem.gradient(x), numeric, rtol=1e-5, atol=1e-5)


def test_grids_evaluate_like_points():
    bowl = QuadraticBowl(4.0, angle=0.5)
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-2, 2, 3)))
    values = bowl.value(grid)
    assert values.shape == (3, 4)
    assert values[1, 2] == pytest.approx(bowl.value(grid[:, 1, 2]))
    np.testing.assert_allclose(Rosenbrock().gradient(grid)[:, 2, 3],
                               Rosenbrock().gradient(grid[:, 2, 3]))
    with pytest.raises(ValueError, match="2 coordinate\\(s\\)"):
        Rosenbrock().value(np.zeros(3))


def test_the_minimizers_are_stationary_and_minimal():
    for problem in (PROBLEMS[0], PROBLEMS[1], PROBLEMS[3]):
        np.testing.assert_allclose(problem.gradient(problem.minimizer), 0.0, atol=1e-12)
        found = optimize.minimize(problem.value, problem.minimizer + 0.3, jac=problem.gradient,
                                  method="BFGS", options={"gtol": 1e-10})
        assert found.fun == pytest.approx(problem.minimum, abs=1e-10)


def test_bowl_condition_number_and_the_stable_step_limit():
    bowl = QuadraticBowl(condition_number=25.0, angle=0.7)
    eigenvalues = np.linalg.eigvalsh(bowl.hessian)
    assert eigenvalues.max() / eigenvalues.min() == pytest.approx(25.0)
    limit = bowl.max_stable_learning_rate
    assert limit == pytest.approx(2 / 25)
    start = np.array([1.0, 1.0])
    assert np.linalg.norm(run(optim.gradient_descent(0.95 * limit), bowl, start, 2000)) < 1e-8
    assert np.linalg.norm(run(optim.gradient_descent(1.05 * limit), bowl, start, 300)) > 1e3


def test_gradient_descent_stops_at_the_saddle_only_on_its_stable_axis():
    saddle = Saddle()
    on_axis = run(optim.gradient_descent(0.1), saddle, [1.0, 0.0], 200)
    np.testing.assert_allclose(on_axis, saddle.stationary_point, atol=1e-12)
    off_axis = run(optim.gradient_descent(0.1), saddle, [1.0, 1e-8], 200)
    assert abs(off_axis[1]) > 1.0 and abs(off_axis[0]) < 1e-12


def test_momentum_escapes_the_local_minimum_where_gradient_descent_stops():
    well = TiltedDoubleWell()
    assert well.value(np.array([well.global_minimum])) < well.value(
        np.array([well.local_minimum]))
    stuck = run(optim.gradient_descent(0.05), well, [2.5], 500)
    escaped = run(optim.sgd(0.05, momentum=0.9), well, [2.5], 500)
    assert stuck[0] == pytest.approx(well.local_minimum, abs=1e-8)
    assert escaped[0] == pytest.approx(well.global_minimum, abs=1e-8)


def test_adam_follows_the_rosenbrock_valley():
    x = run(optim.adam(0.02), Rosenbrock(), [-1.5, 2.0], 5000)
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-3)


def test_bad_problem_settings():
    for make, message in [(lambda: QuadraticBowl(0.5),
                           r"condition_number must be a number in \[1, 1e\+15\]"),
                          (lambda: QuadraticBowl(dim=1), "dim"),
                          (lambda: TiltedDoubleWell(2.0), "two minima"),
                          (lambda: Rosenbrock(b=0.0), "b must be a number > 0")]:
        with pytest.raises(ValueError, match=message):
            make()


def test_trajectory_is_the_hand_written_loop_and_stops_on_divergence():
    well = TiltedDoubleWell()
    path = optim.trajectory(well, [2.5], optim.sgd(0.05, momentum=0.9), 500)
    assert path.shape == (501, 1) and path[0, 0] == 2.5
    np.testing.assert_array_equal(path[-1], run(optim.sgd(0.05, momentum=0.9), well, [2.5],
                                                500))
    np.testing.assert_array_equal(path[3], run(optim.sgd(0.05, momentum=0.9), well, [2.5], 3))
    bowl = QuadraticBowl(10.0)
    same = optim.trajectory(bowl.gradient, [1.0, 1.0], optim.gradient_descent(0.1), 5)
    np.testing.assert_array_equal(same, optim.trajectory(bowl, [1.0, 1.0],
                                                         optim.gradient_descent(0.1), 5))
    with pytest.raises(probml.DivergenceError, match="non-finite at step") as caught:
        optim.trajectory(bowl, [1.0, 1.0], optim.gradient_descent(1e3), 400)
    assert np.all(np.isfinite(caught.value.history))
    for bad, error, message in [((bowl, [1.0, 1.0], "gd", 5), TypeError, "Optimizer"),
                                ((3.0, [1.0], optim.adam(0.1), 5), TypeError, "gradient"),
                                ((bowl, [[1.0]], optim.adam(0.1), 5), ValueError, "shape"),
                                ((bowl, [1.0, 1.0], optim.adam(0.1), 0), ValueError,
                                 "n_steps")]:
        with pytest.raises(error, match=message):
            optim.trajectory(*bad)
