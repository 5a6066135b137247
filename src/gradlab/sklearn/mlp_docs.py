"""The parameter documentation shared by `MLPClassifier` and `MLPRegressor`."""

PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Neurons of each hidden layer; () for none (a linear model).
    activation : str, default='relu'
        Hidden activation: scikit-learn's 'identity', 'logistic' (alias 'sigmoid'), 'tanh',
        'relu', or any other registered hidden activation ('leaky_relu' (slope 0.01),
        'softplus', 'gelu', 'silu', 'elu', ...; see ``gl.nn.activations.names(hidden=True)``).
    solver : str, default='adam'
        'sgd' (mini-batch SGD with momentum), 'gd' (the same on the full batch, ignoring
        ``batch_size``), 'adam', or gradlab's 'adamw', 'rmsprop', 'adagrad' (see
        `gradlab.optim`; PyTorch semantics).
    alpha : float, default=1e-4
        L2 penalty: :math:`\\frac{\\alpha}{2S}\\sum_l \\lVert W_l\\rVert^2` is part of each
        batch's loss, :math:`S` the batch's total sample weight (its size without weights);
        biases are not penalised. Its gradient :math:`\\alpha W_l / S` is applied as the
        optimizer's weight decay on the weight matrices (decoupled for 'adamw').
    batch_size : int or 'auto', default='auto'
        Samples per mini-batch; 'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of 'sgd' and 'gd' (other solvers ignore it, as scikit-learn's Adam does):
        'invscaling' sets :math:`\\eta = \\eta_0/(t+1)^{p}` after each epoch (``t_`` samples
        seen, ``power_t`` = p); 'adaptive' divides :math:`\\eta` by 5 instead of stopping
        when the loss stalls, until :math:`\\eta \\le 10^{-6}`.
    learning_rate_init : float, default=1e-3
        The (initial) learning rate :math:`\\eta_0`.
    power_t : float, default=0.5
    max_iter : int, default=200
        Maximum number of epochs; a ConvergenceWarning is issued when it is reached.
    shuffle : bool, default=True
        Shuffle the samples before each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split (scikit-learn's
        draws: the same seed gives the same initial weights as scikit-learn).
    tol : float, default=1e-4
        Training stops (or, with 'adaptive', the learning rate drops) when the epoch loss does
        not fall below the best by ``tol`` (with ``early_stopping``: the validation score does
        not rise above the best by ``tol``) for more than ``n_iter_no_change`` epochs.
    verbose : bool or int, default=False
        Print the loss after each epoch.
    warm_start : bool, default=False
        Continue from the previous solution in ``fit`` (with a new optimizer, as scikit-learn).
    momentum : float, default=0.9
        Momentum of 'sgd' and 'gd'.
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for 'sgd' and 'gd' (when ``momentum > 0``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, watch its score (accuracy or R^2), and
        keep the weights of the best epoch.
    validation_fraction : float, default=0.1
    beta_1, beta_2 : float, default=0.9, 0.999
        Moment decay rates of 'adam' and 'adamw'.
    epsilon : float, default=1e-8
        Numerical stabiliser of 'adam' (added to the root of the raw second moment, as in
        scikit-learn) and 'adamw' (added to the root of the bias-corrected one, as in PyTorch).
    n_iter_no_change : int or inf, default=10
        Patience of the ``tol`` rule.
    dtype : numpy.float64 or numpy.float32, default=numpy.float64
        The dtype of the network and of the computations; float32 stays float32 end to end.
    threads : int or None, default=None
        BLAS threads while fitting. None chooses one thread when the largest matrix product
        of a step (2 x batch x fan_in x fan_out flops) is below
        ``gradlab.training.threads.MIN_FLOPS_FOR_THREADS``, else every core.
"""

ATTRIBUTES = """
    coefs_ : list of ndarray
        The weight matrix of each layer, shape (n_in, n_out): the parameters of ``model_``
        themselves (``model_[2 * i].weight.data``), not copies.
    intercepts_ : list of ndarray
        The bias of each layer, shape (n_out,).
    loss_ : float
        The last epoch's loss (the objective above, averaged over the epoch's batches).
    loss_curve_ : list of float
        The loss of each epoch, across warm starts and ``partial_fit`` calls.
    best_loss_ : float or None
        The lowest epoch loss (None with ``early_stopping``).
    validation_scores_ : list of float or None
        The held-out score of each epoch with ``early_stopping``, else None.
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run by the last call to ``fit`` (1 after ``partial_fit``).
    t_ : int
        Training samples seen, over all epochs and calls.
    n_layers_ : int
        Layers including input and output: ``len(hidden_layer_sizes) + 2``.
    n_outputs_ : int
    out_activation_ : str
        'softmax', 'logistic' or 'identity': the output function applied to the network's
        last layer by ``predict_proba`` (``model_`` itself ends with its linear layer).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` had string column names (a pandas DataFrame).
    model_ : gradlab.nn.MLP
        The trained gradlab network (``model_.summary()``, ``gradlab.glassbox``).
"""
