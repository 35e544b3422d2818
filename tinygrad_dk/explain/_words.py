"""Every sentence `tinygrad_dk.explain` writes, in English and in Danish.

One `Words` per language, so that mypy finds a sentence missing from either. The Danish
follows Mike Meldgaard's post "Forståelse og Kodning af Neuralt Netværk fra bunden i Python"
(vægte, bias, aktiveringsfunktion, fremadrettet propagering, tilbagepropagering, epoke,
omkostningsfunktion, fuld batch). Placeholders in braces are filled with str.format; the
formulas and the names of the quantities (net_h1, E_total, dE_total/dw5) are the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    """The sentences of one language."""

    title: str
    intro: str  # {author} {title} {url}
    terms: str
    batch_one_mazur: str
    batch_one: str
    batch_many: str  # {n}
    drawn: str  # {others} {seed}
    given: str
    biases: str  # {b1} {b2}
    quantity: str
    value: str
    sample: str
    samples: str
    update: str
    updates: str
    cost_function: str
    learning_rate: str
    forward_heading: str
    forward: str
    sample_heading: str  # {k} {i1} {i2} {t1} {t2}
    error_heading: str
    error_one: str
    error_many: str
    backward_heading: str
    backward: str
    backward_many: str
    output_layer: str
    hidden_layer: str
    output_layer_of: str  # {k}
    hidden_layer_of: str  # {k}
    bias_heading: str  # {name} {neuron} {param} {value}
    edges: str
    from_backward: str
    averaging_heading: str
    averaging_one: str
    averaging_many: str  # {n}
    update_heading: str
    update_text: str  # {d} {lr}
    weight: str
    before: str
    after: str
    cost_before: str  # {cost} {value}
    cost_after: str  # {cost} {value}
    biases_kept: str
    mazur_note: str  # {published} {ours} {published8} {ours8} {stale} {w1}
    sgd_heading: str
    sgd_one: str
    sgd_many: str  # {n}
    step_heading: str  # {k}
    step_error: str  # {k} {value}
    step_cost: str  # {cost} {k} {value}
    versus_heading: str  # {samples}
    versus: str  # {updates}
    start: str
    full_batch: str
    sgd: str  # {updates}
    weights: str
    cost: str  # {cost}
    after_full_batch: str
    after_sgd: str  # {updates}
    pictures_heading: str  # {number}
    pictures: str
    picture: str
    file: str


EN = Words(
    title="Backpropagation, worked step by step",
    intro=(
        'The network is the one in {author}\'s "{title}" ({url}): 2 inputs, 2 hidden and 2 output neurons, '
        "fully connected (every neuron receives the output of every neuron in the layer before it, so there "
        "are 2 * 2 + 2 * 2 = 8 weights), with the sigmoid as the activation function of every neuron. It is "
        'built as MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid") with Mazur\'s weights '
        "loaded, and every number below comes from the engine's Values and backward()."
    ),
    terms=(
        "The terms below follow Mike Meldgaard's post \"Forståelse og Kodning af Neuralt Netværk fra bunden i "
        'Python" (in Danish). The cost function (also called the loss) measures how wrong the network is: '
        "for one sample it is Mazur's total error E_total = E_o1 + E_o2, where each output adds "
        "E_o = 1/2 * (target_o - out_o)^2; for a batch of samples it is the mean of their E_total. Gradient "
        "descent moves every weight against its gradient, w <- w - lr * dE/dw, so that the cost falls; lr is "
        "the learning rate. Full batch gradient descent works out the gradient of the cost over all the "
        "samples and then makes one update. SGD (stochastic gradient descent) makes one update per sample "
        "instead. An epoch is, in Meldgaard's post, one forward and one backward iteration, and here one "
        "pass over the data. For full batch the two are the same: one pass over the batch is one forward and "
        "backward iteration and one update. For SGD, one pass over N samples is N iterations and N updates."
    ),
    batch_one_mazur=(
        "This run is a full batch of size 1: Mazur's own sample. The cost is then that sample's "
        "E_total, its gradient is the sample's gradient, and the one full-batch update is the "
        "update in Mazur's post."
    ),
    batch_one=(
        "This run is a full batch of size 1: the sample below. The cost is then that sample's E_total, "
        "and its gradient is the sample's gradient."
    ),
    batch_many=(
        "This run is a full batch of {n} samples. The cost is the mean of their E_total, and since the "
        "derivative of a mean is the mean of the derivatives, its gradient is the mean of the samples' "
        "gradients: step 3 finds each sample's gradient, step 4 averages them."
    ),
    drawn=(
        "Sample 1 is Mazur's; the other {others} have inputs drawn uniformly from [0, 1] by "
        "random.Random({seed}) and rounded to 2 decimals, with targets (0.01, 0.99) when i1 < i2 and "
        "(0.99, 0.01) otherwise."
    ),
    given="The samples are the ones given.",
    biases=(
        "Biases: Mazur shares one bias per layer (b1 on both hidden neurons, b2 on both outputs) and does not "
        "update it. Our MLP gives every neuron its own bias parameter, so b_h1 = b_h2 = {b1} play b1 and "
        "b_o1 = b_o2 = {b2} play b2. Like Mazur, the updates move the weights w1 ... w8 only: the biases "
        "b_h1, b_h2, b_o1 and b_o2 get gradients, shown below, but keep their values."
    ),
    quantity="quantity",
    value="value",
    sample="sample",
    samples="samples",
    update="update",
    updates="updates",
    cost_function="cost function",
    learning_rate="learning rate (lr)",
    forward_heading="1. Forward pass",
    forward=(
        "Each neuron adds up its inputs times its weights plus its bias (net), then squashes the sum with "
        "its activation function, the sigmoid (out). The hidden outputs are the inputs of the output layer."
    ),
    sample_heading="Sample {k}: i1 = {i1}, i2 = {i2}, targets {t1} and {t2}",
    error_heading="2. Error",
    error_one=(
        "Each output's error is E_o = 1/2 * (target_o - out_o)^2, and E_total is their sum. With one "
        "sample, E_total is the cost."
    ),
    error_many=(
        "Each output's error is E_o = 1/2 * (target_o - out_o)^2, and a sample's E_total is their sum. "
        "The cost E of the batch is the mean of the samples' E_total."
    ),
    backward_heading="3. Backward pass: the chain rule along the graph's edges",
    backward=(
        "Every node of the graph stores the local derivative d node / d child on each edge to a child "
        "(Value.local_grads). The derivative of E_total with respect to a parameter is the sum, over every "
        "path from E_total down to the parameter, of the product of the local derivatives along the path. "
        "Below, each edge is shown as 'local derivative (op of the node above)', and the edges are grouped "
        "into Mazur's factors dE_total/dout * dout/dnet * dnet/dw. A hidden neuron's output reaches E_total "
        "through both outputs, so dE_total/dout_h = dE_o1/dout_h + dE_o2/dout_h. A bias is added to net, "
        "so dnet/db = 1. Each product is checked against the .grad that backward() leaves on the "
        "parameter."
    ),
    backward_many=" Each sample has its own graph and its own gradients.",
    output_layer="Output layer",
    hidden_layer="Hidden layer",
    output_layer_of="Sample {k}, output layer",
    hidden_layer_of="Sample {k}, hidden layer",
    bias_heading="{name}: bias of {neuron} (parameter {param}) = {value}",
    edges="local derivatives on the edges",
    from_backward="from backward()",
    averaging_heading="4. Averaging over the batch",
    averaging_one=(
        "With one sample this is a full batch of size 1: the mean of one gradient is that gradient. "
        "The number after the last = is the .grad that backward() of the cost leaves on each "
        "parameter."
    ),
    averaging_many=(
        "The cost E is the mean of the samples' E_total, so its gradient is the mean of their "
        "gradients from step 3: add them up and divide by {n}. The number after the last = is the "
        ".grad that backward() of E leaves on each parameter, the engine's own mean."
    ),
    update_heading="5. The full-batch update",
    update_text=(
        "Full batch gradient descent makes one update from the mean gradients: every weight moves "
        "against its gradient, w <- w - lr * {d}/dw with lr = {lr}. All the gradients were taken at the "
        "starting weights, before any of them changes. One pass over the data, one update: one epoch."
    ),
    weight="weight",
    before="before",
    after="after",
    cost_before="{cost} before the update = {value}",
    cost_after="{cost} after the update  = {value}",
    biases_kept=(
        "The biases b_h1, b_h2, b_o1 and b_o2 keep their values, as in Mazur's post (their mean "
        "gradients are in step 4; an optimizer over model.parameters() would move them too)."
    ),
    mazur_note=(
        "Mazur's post prints {published} for the error after this update; we print {ours}. Rounding does "
        "not explain the difference: from the weights the post prints, or with every value rounded to the "
        "nine digits the post shows, the error after the update still comes to {ours8}, not "
        "{published8}. The post's number is what comes out if, in dE_total/dout_h = dE_o1/dout_h + "
        "dE_o2/dout_h, the factors dnet_o/dout_h are the already updated w5 ... w8 instead of the weights "
        "the forward pass used; computed that way here, the error after the update is {stale}. The "
        "post's own w1 ... w4 (w1 = {w1}) come from the weights before the update, as ours do and as "
        "backpropagation requires, so {ours} is the error after the update the post describes, "
        "computed in full double precision (nothing is rounded until it is printed)."
    ),
    sgd_heading="6. SGD: the same samples, one at a time",
    sgd_one=(
        "SGD (stochastic gradient descent) updates after every sample, with that sample's gradient at the "
        "weights the previous update left. With one sample it makes one update, from the starting weights: "
        "the same update as the full batch."
    ),
    sgd_many=(
        "SGD (stochastic gradient descent) updates after every sample, with that sample's gradient at the "
        "weights the previous update left: {n} updates in one epoch, where the full batch made one. Step 1 "
        "starts from the same weights as the full batch, so its gradient is sample 1's from step 3; each "
        "later step works its sample through the network again, at the new weights."
    ),
    step_heading="Step {k}: sample {k}",
    step_error="E_total[{k}] at these weights = {value}",
    step_cost="{cost} after step {k} = {value}",
    versus_heading="7. Full batch versus SGD over {samples}",
    versus=(
        "The same samples, the same starting weights and the same learning rate: full batch made 1 update "
        "from the mean gradient, SGD made {updates}, each from one sample's gradient at the weights the last "
        "one left."
    ),
    start="start",
    full_batch="full batch (1 update)",
    sgd="SGD ({updates})",
    weights="weights",
    cost="cost {cost}",
    after_full_batch="after the full-batch update",
    after_sgd="after SGD ({updates})",
    pictures_heading="{number}. Pictures",
    pictures=(
        "The network before the full-batch update (the weights and their mean gradients) and after it "
        "(the new weights):"
    ),
    picture="picture",
    file="file",
)

DA = Words(
    title="Tilbagepropagering, regnet igennem trin for trin",
    intro=(
        'Netværket er det fra {author}s "{title}" ({url}): 2 input, 2 skjulte neuroner og 2 outputneuroner, '
        "fuldt forbundet (hver neuron får output fra alle neuroner i laget før, så der er 2 * 2 + 2 * 2 = 8 "
        "vægte), med sigmoid som aktiveringsfunktion i alle neuroner. Det bygges som MLP(2, [2, 2], "
        'activation="sigmoid", output_activation="sigmoid") med Mazurs vægte indlæst, og hvert tal '
        "nedenfor kommer fra motorens Values og backward()."
    ),
    terms=(
        'Ordene nedenfor er dem fra Mike Meldgaards indlæg "Forståelse og Kodning af Neuralt Netværk fra '
        'bunden i Python". Omkostningsfunktionen (også kaldet tabet) måler, hvor forkert netværket rammer: '
        "for ét eksempel er den Mazurs samlede fejl E_total = E_o1 + E_o2, hvor hvert output bidrager med "
        "E_o = 1/2 * (target_o - out_o)^2; for en batch af eksempler er den gennemsnittet af deres E_total. "
        "Gradientnedstigning flytter hver vægt modsat sin gradient, w <- w - lr * dE/dw, så omkostningen "
        "falder; lr er læringsraten. Gradientnedstigning med fuld batch finder omkostningens gradient over "
        "alle eksemplerne og laver så én opdatering. SGD (stokastisk gradientnedstigning) laver i stedet én "
        "opdatering pr. eksempel. En epoke er i Meldgaards indlæg én fremadrettet og én baglæns iteration, og "
        "her én gennemgang af dataene. Med fuld batch er det det samme: én gennemgang af batchen er netop én "
        "fremadrettet og baglæns iteration og én opdatering. Med SGD er én gennemgang af N eksempler N "
        "iterationer og N opdateringer."
    ),
    batch_one_mazur=(
        "Denne kørsel er en fuld batch af størrelse 1: Mazurs eget eksempel. Omkostningen er så "
        "eksemplets E_total, dens gradient er eksemplets gradient, og den ene opdatering med fuld "
        "batch er opdateringen i Mazurs indlæg."
    ),
    batch_one=(
        "Denne kørsel er en fuld batch af størrelse 1: eksemplet nedenfor. Omkostningen er så eksemplets "
        "E_total, og dens gradient er eksemplets gradient."
    ),
    batch_many=(
        "Denne kørsel er en fuld batch af {n} eksempler. Omkostningen er gennemsnittet af deres E_total, "
        "og da den afledte af et gennemsnit er gennemsnittet af de afledte, er dens gradient gennemsnittet "
        "af eksemplernes gradienter: trin 3 finder hvert eksempels gradient, trin 4 tager gennemsnittet."
    ),
    drawn=(
        "Eksempel 1 er Mazurs; de andre {others} har input trukket ligeligt fra [0, 1] med "
        "random.Random({seed}) og afrundet til 2 decimaler, med målene (0.01, 0.99) når i1 < i2 og ellers "
        "(0.99, 0.01)."
    ),
    given="Eksemplerne er dem, der blev givet.",
    biases=(
        "Bias: Mazur deler én bias pr. lag (b1 på begge skjulte neuroner, b2 på begge outputneuroner) og "
        "opdaterer den ikke. Vores MLP giver hver neuron sin egen bias-parameter, så b_h1 = b_h2 = {b1} "
        "spiller b1, og b_o1 = b_o2 = {b2} spiller b2. Ligesom hos Mazur flytter opdateringerne kun vægtene "
        "w1 ... w8: bias b_h1, b_h2, b_o1 og b_o2 får gradienter, som vises nedenfor, men beholder deres "
        "værdier."
    ),
    quantity="størrelse",
    value="værdi",
    sample="eksempel",
    samples="eksempler",
    update="opdatering",
    updates="opdateringer",
    cost_function="omkostningsfunktion",
    learning_rate="læringsrate (lr)",
    forward_heading="1. Fremadrettet propagering",
    forward=(
        "Hver neuron lægger sine input gange sine vægte sammen, lægger sin bias til (net) og sender så "
        "summen gennem sin aktiveringsfunktion, sigmoid (out). De skjulte neuroners output er input til "
        "outputlaget."
    ),
    sample_heading="Eksempel {k}: i1 = {i1}, i2 = {i2}, mål {t1} og {t2}",
    error_heading="2. Fejl",
    error_one=(
        "Hvert outputs fejl er E_o = 1/2 * (target_o - out_o)^2, og E_total er summen af dem. Med ét "
        "eksempel er E_total omkostningen."
    ),
    error_many=(
        "Hvert outputs fejl er E_o = 1/2 * (target_o - out_o)^2, og et eksempels E_total er summen af "
        "dem. Batchens omkostning E er gennemsnittet af eksemplernes E_total."
    ),
    backward_heading="3. Tilbagepropagering: kædereglen langs grafens kanter",
    backward=(
        "Hver knude i grafen gemmer den lokale afledte d knude / d barn på hver kant ned til et barn "
        "(Value.local_grads). Den afledte af E_total med hensyn til en parameter er summen, over alle stier "
        "fra E_total ned til parameteren, af produktet af de lokale afledte langs stien. Nedenfor står hver "
        "kant som 'lokal afledt (operationen i knuden ovenover)', og kanterne er samlet i Mazurs faktorer "
        "dE_total/dout * dout/dnet * dnet/dw. En skjult neurons output når E_total gennem begge "
        "outputneuroner, så dE_total/dout_h = dE_o1/dout_h + dE_o2/dout_h. En bias lægges til net, så "
        "dnet/db = 1. Hvert produkt kontrolleres mod den .grad, som backward() efterlader på parameteren."
    ),
    backward_many=" Hvert eksempel har sin egen graf og sine egne gradienter.",
    output_layer="Outputlaget",
    hidden_layer="Det skjulte lag",
    output_layer_of="Eksempel {k}, outputlaget",
    hidden_layer_of="Eksempel {k}, det skjulte lag",
    bias_heading="{name}: bias i {neuron} (parameter {param}) = {value}",
    edges="lokale afledte på kanterne",
    from_backward="fra backward()",
    averaging_heading="4. Gennemsnit over batchen",
    averaging_one=(
        "Med ét eksempel er det en fuld batch af størrelse 1: gennemsnittet af én gradient er den "
        "gradient selv. Tallet efter det sidste = er den .grad, som backward() af omkostningen "
        "efterlader på hver parameter."
    ),
    averaging_many=(
        "Omkostningen E er gennemsnittet af eksemplernes E_total, så dens gradient er gennemsnittet af "
        "deres gradienter fra trin 3: læg dem sammen, og del med {n}. Tallet efter det sidste = er den "
        ".grad, som backward() af E efterlader på hver parameter, motorens eget gennemsnit."
    ),
    update_heading="5. Opdateringen med fuld batch",
    update_text=(
        "Gradientnedstigning med fuld batch laver én opdatering ud fra gennemsnitsgradienterne: hver vægt "
        "flyttes modsat sin gradient, w <- w - lr * {d}/dw med lr = {lr}. Alle gradienter er taget ved "
        "startvægtene, før nogen af dem ændres. Én gennemgang af dataene, én opdatering: én epoke."
    ),
    weight="vægt",
    before="før",
    after="efter",
    cost_before="{cost} før opdateringen   = {value}",
    cost_after="{cost} efter opdateringen = {value}",
    biases_kept=(
        "Bias b_h1, b_h2, b_o1 og b_o2 beholder deres værdier som i Mazurs indlæg (deres "
        "gennemsnitsgradienter står i trin 4; en optimizer over model.parameters() ville også flytte dem)."
    ),
    mazur_note=(
        "Mazurs indlæg skriver {published} som fejlen efter denne opdatering; vi skriver {ours}. Afrunding "
        "forklarer ikke forskellen: ud fra de vægte, indlægget skriver, eller med hver værdi afrundet til "
        "de ni cifre, indlægget viser, bliver fejlen efter opdateringen stadig {ours8}, ikke {published8}. "
        "Indlæggets tal er det, der kommer ud, hvis faktorerne dnet_o/dout_h i dE_total/dout_h = "
        "dE_o1/dout_h + dE_o2/dout_h er de allerede opdaterede w5 ... w8 i stedet for de vægte, den "
        "fremadrettede propagering brugte; regnet sådan her er fejlen efter opdateringen {stale}. "
        "Indlæggets egne w1 ... w4 (w1 = {w1}) er regnet ud fra vægtene før opdateringen, ligesom vores og som "
        "tilbagepropagering kræver, så {ours} er fejlen efter den opdatering, indlægget beskriver, regnet "
        "med fuld dobbelt præcision (intet afrundes, før det skrives ud)."
    ),
    sgd_heading="6. SGD: de samme eksempler, ét ad gangen",
    sgd_one=(
        "SGD (stokastisk gradientnedstigning) opdaterer efter hvert eksempel med eksemplets gradient ved de "
        "vægte, den forrige opdatering efterlod. Med ét eksempel laver den én opdatering fra startvægtene: "
        "den samme som med fuld batch."
    ),
    sgd_many=(
        "SGD (stokastisk gradientnedstigning) opdaterer efter hvert eksempel med eksemplets gradient ved de "
        "vægte, den forrige opdatering efterlod: {n} opdateringer i én epoke, hvor fuld batch lavede én. "
        "Skridt 1 starter fra de samme vægte som fuld batch, så dets gradient er eksempel 1's fra trin 3; "
        "hvert senere skridt regner sit eksempel igennem netværket igen ved de nye vægte."
    ),
    step_heading="Skridt {k}: eksempel {k}",
    step_error="E_total[{k}] ved disse vægte = {value}",
    step_cost="{cost} efter skridt {k} = {value}",
    versus_heading="7. Fuld batch over for SGD over {samples}",
    versus=(
        "De samme eksempler, de samme startvægte og den samme læringsrate: fuld batch lavede 1 opdatering ud "
        "fra gennemsnitsgradienten, SGD lavede {updates}, hver ud fra ét eksempels gradient ved de vægte, den "
        "forrige efterlod."
    ),
    start="start",
    full_batch="fuld batch (1 opdatering)",
    sgd="SGD ({updates})",
    weights="vægte",
    cost="omkostning {cost}",
    after_full_batch="efter opdateringen med fuld batch",
    after_sgd="efter SGD ({updates})",
    pictures_heading="{number}. Billeder",
    pictures=(
        "Netværket før opdateringen med fuld batch (vægtene og deres gennemsnitsgradienter) og efter den "
        "(de nye vægte):"
    ),
    picture="billede",
    file="fil",
)

WORDS = {"en": EN, "da": DA}
